from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.nlp import checkworthiness
from claims.nlp.training import DEFAULT_SEED


class Command(BaseCommand):
    help = (
        "Train the check-worthiness model on ClaimBuster-style JSON ({sentence_id, label, "
        "text}) and write the model file. Needs the training packages: "
        "pip install -r requirements/train.txt"
    )

    def add_arguments(self, parser):
        default_data = Path(settings.BASE_DIR).parent / "shared" / "data" / "claimbuster"
        parser.add_argument("--data", type=Path, default=default_data / "train.json")
        parser.add_argument("--out", type=Path, default=checkworthiness.MODEL_PATH)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, data, out, seed, **options):
        if not data.exists():
            raise CommandError(f"No training data at {data}; pass --data PATH.")
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError(
                "scikit-learn is not installed: .venv/bin/pip install -r requirements/train.txt"
            ) from None
        from claims.nlp.training import train

        metrics = train(data, out, seed=seed)
        self.stdout.write(f"held-out metrics: {metrics}")
