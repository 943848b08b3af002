from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.nlp import checkworthiness
from claims.nlp.training import CHECKTHAT_DATA, DEFAULT_SEED, checkthat_attribution


class Command(BaseCommand):
    help = (
        "Train a check-worthiness model and write its file. English (the default): on "
        "ClaimBuster-style JSON ({sentence_id, label, text}). Another language (--language): "
        "on the CheckThat! tweets in benchmarks/data/checkthat/<language>/ (train.tsv, and "
        "heldout.tsv for the figures only). Needs the training packages: "
        "pip install -r requirements/train.txt"
    )

    def add_arguments(self, parser):
        default_data = Path(settings.BASE_DIR).parent / "shared" / "data" / "claimbuster"
        parser.add_argument("--language", default="en", help="en (default), or ar, es, tr...")
        parser.add_argument("--data", type=Path, help="the English training file")
        parser.add_argument("--out", type=Path, help="where to write the model file")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.set_defaults(default_data=default_data / "train.json")

    def handle(self, *args, language, data, out, seed, default_data, **options):
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError(
                "scikit-learn is not installed: .venv/bin/pip install -r requirements/train.txt"
            ) from None
        from claims.nlp import training

        language = language.strip().lower()
        if language == "en":
            data = data or default_data
            if not data.exists():
                raise CommandError(f"No training data at {data}; pass --data PATH.")
            metrics = training.train(data, out or checkworthiness.MODEL_PATH, seed=seed)
        else:
            folder = CHECKTHAT_DATA / language
            files = (folder / "train.tsv", folder / "heldout.tsv")
            missing = [str(path) for path in files if not path.exists()]
            if missing:
                raise CommandError(f"No CheckThat! data for {language!r}: {', '.join(missing)}")
            target = out or checkworthiness.language_model_path(language)
            metrics = training.train_language(
                language, *files, target, attribution=checkthat_attribution(language), seed=seed
            )
        self.stdout.write(f"held-out metrics: {metrics}")
