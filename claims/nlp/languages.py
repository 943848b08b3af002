# ruff: noqa: RUF001, RUF003  (non-Latin scripts and punctuation are the point here)
"""Per-language rules for the sentence splitter (``claims.nlp.splitting``).

One small :class:`Language` table per language: abbreviation lists, words that commonly open a
sentence, function words, and a few switches (German-style ordinals "3. Oktober").  The engine in
``splitting.py`` compiles each table once; nothing here is language *logic*.

All word lists are whitespace-separated and compared in lower case (``starters`` and
``time_followers`` keep their case: they are matched against the word as written).  This module
imports nothing from the project, so benchmarks can load the splitter by path.

Scripts without letter case (Arabic, Chinese, Japanese, Hindi) need no special table entries: the
engine treats a caseless letter like a capital, so the abbreviation rules decide alone.
"""

from dataclasses import dataclass, replace

__all__ = ["GENERIC", "LANGUAGES", "Language"]


@dataclass(frozen=True)
class Language:
    """Word lists and switches of one language (see the module docstring)."""

    # Honorifics and titles before a name: a period after them never ends a sentence when the
    # title is capitalised ("Dr. Fauci", "Sra. García", "Prof. Müller"); outside English also
    # in lower case when it has three letters or more ("volgens dhr. Jansen").
    prepositive: str = ""
    # Abbreviations that are (practically) never sentence-final: "e.g. Paris", "z. B. Berlin".
    never_final: str = ""
    # Abbreviations that may end a sentence: never before a digit or a lower-case word, and
    # before a capitalised word only if it commonly opens a sentence ("etc. The" vs "Co. Chief").
    ambiguous: str = ""
    # Like ``ambiguous`` but only when written capitalised (US states: "Ill.", "Mass.").
    capitalised_ambiguous: str = ""
    # Times of day ("a.m") and the words after them that keep the sentence going ("5 p.m. EST").
    times: str = ""
    time_followers: str = ""
    # Words (as written, capitalised) that commonly open a sentence.
    starters: str = ""
    # Lower-case words that cannot end a heading or precede an inline list label.
    function_words: str = ""
    # A number of one to three digits or a Roman numeral followed by a period and a word that
    # does not commonly open a sentence is an ordinal ("am 3. Oktober", "Ludwig XIV. starb").
    ordinals: bool = False
    # Extra characters skipped before the first word of a sentence (Dutch ",,", TeX "``").
    openers: str = ""
    # Lower-case words that still open a sentence after a terminal mark (Dutch "'s Avonds").
    lower_starts: str = ""
    # What may follow a closing quote after "。" / "？" inside the same sentence (Japanese
    # quotative particles: 「嘘だ。」と言った).
    quote_continuations: str = ""


# --------------------------------------------------------------------------------------------
# English (the news-tuned rules; the default)
# --------------------------------------------------------------------------------------------

EN = Language(
    prepositive="""
    mr mrs ms mx messrs mmes mme mlle dr drs prof profs sen sens rep reps gov govs gen gens lt
    col maj capt cmdr cmdt adm sgt cpl pvt brig rev fr msgr hon pres supt det insp amb atty sec
    """,
    never_final="e.g i.e vs v cf viz ca incl excl esp resp",
    ambiguous="""
    inc corp co cos ltd llc plc bros assn dept div univ intl natl govt jr sr esq etc al seq
    jan feb mar apr jun jul aug sep sept oct nov dec
    no nos nr n° nº vol vols p pp pg ch chap fig figs art para ed eds est approx ext tel ref
    bn mn mln bln tn yr yrs hr hrs mins sq lb lbs oz gal pt pts
    st mt ft ave blvd rd hwy apt bldg ste mtn
    """,
    # Several US state abbreviations are ordinary words in lower case (ill, mass, miss, wash).
    capitalised_ambiguous="""
    ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo
    mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """,
    times="a.m p.m",
    time_followers="""
    Eastern Pacific Central Mountain Atlantic ET EST EDT CT CST CDT MT MST MDT PT PST PDT GMT UTC
    BST CET CEST IST JST AEST Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    """,
    starters="""
    A An The This That These Those There Here It Its He She They We I You His Her Their Our My
    Your But And Or So Yet Nor However Meanwhile Moreover Also Still Then Now Today Yesterday
    Tomorrow Last Next In On At For If When While After Before As Although Though Because Since
    Until Once What Who Why How Where Which Whether Some Many Most All Both Each Every Several
    Few No Not None One Such Other Others Another Please Is Are Was Were Do Does Did Can Could
    Will Would Should Has Have Had Let By From With Without During Despite According Under Over
    Among Instead Even Only Just Thus Hence Indeed Furthermore Nevertheless Nonetheless
    """,
    function_words="""
    a an the of to in on at by for with from and or but nor as that which who whom whose is are
    was were be been being has have had will would can could should may might must said says
    than into onto over under about after before between its their his her our your my this
    these those not so if while when where because also more most less per via told than then
    no nos vs
    """,
)

# Generic rules for languages without a table: only abbreviations that are the same in most
# Latin-script languages, no sentence-opening words (so an ambiguous abbreviation before a
# capital never ends a sentence) and no function words.
GENERIC = Language(
    prepositive="dr prof mr mrs ms st",
    never_final="e.g i.e vs cf ca",
    ambiguous="etc no nr nº n° vol p pp fig art ed approx tel",
)

# --------------------------------------------------------------------------------------------
# Romance languages
# --------------------------------------------------------------------------------------------

ES = Language(
    prepositive="""
    sr sra sres sras srta d dña dn dr dra dres drs lic lcdo lcda ing arq prof profa gral gen
    cap cnel tte sgto mons fr sto sta excmo excma ilmo ilma rvdo ud uds vd vds
    """,
    never_final="p.ej ej vs cf ca aprox",
    ambiguous="""
    etc pág págs p pp núm n no nº n° art cap vol tel av avda c cía s.a ltda dpto depto ed
    ene feb mar abr may jun jul ago sep sept oct nov dic
    a.c d.c a.m p.m km kg cm mm min seg aprox hab
    """,
    starters="""
    El La Los Las Lo Un Una Unos Unas Este Esta Estos Estas Ese Esa Eso Esto Aquel Aquella
    Él Ella Ellos Ellas Yo Tú Usted Nosotros Vosotros Su Sus Mi Mis Pero Y O Sin Con En Por
    Para De Desde Hasta Según Si Cuando Como Aunque Porque Pues Así Entonces Luego Después Antes
    Además También Hoy Ayer Mañana Ahora Sin Ya No Se Le Les Hay Es Era Fue Son Qué Quién Cómo
    Dónde Cuál Cada Todo Todos Toda Todas Muchos Algunos Otro Otra Otros Al Del
    """,
    function_words="""
    el la los las lo un una unos unas de del al a en por para con sin sobre entre y o u e ni
    que como pero si su sus es son fue era ha han se le les mi tu
    """,
)

FR = Language(
    prepositive="""
    m mm mme mmes mlle mlles dr drs pr prof me mgr st ste sts
    """,
    never_final="p.ex c.-à-d c-à-d cf vs env ca",
    ambiguous="""
    etc p pp n no nº n° art chap vol éd tél av bd boul apr av.j.-c j.-c
    janv févr fév avr juil sept oct nov déc
    km kg cm mm min env
    """,
    starters="""
    Le La Les L Un Une Des Du De Ce Cet Cette Ces Il Elle Ils Elles On Je Tu Nous Vous Son Sa
    Ses Leur Leurs Mon Ma Mes Mais Et Ou Donc Car Or Ni Puis Ensuite Alors Enfin Aussi Ainsi
    Pourtant Cependant Toutefois Néanmoins En Dans Pour Par Sur Sous Avec Sans Selon Depuis
    Après Avant Pendant Quand Si Lorsque Comme Bien Aujourd Hier Demain Maintenant C Qu
    Que Qui Quoi Pourquoi Comment Où Chaque Tout Tous Toute Toutes Plusieurs Certains Ne Au Aux
    """,
    function_words="""
    le la les l un une des du de d au aux et ou mais donc car ni que qui en dans pour par sur
    avec sans son sa ses leur leurs est sont a ont été ce cette ces se ne
    """,
)

IT = Language(
    prepositive="""
    sig sigg sig.ra sig.na sigra signa dott dott.ssa dottssa prof prof.ssa avv ing arch geom
    rag on mons don s sen gen col cap ten
    """,
    never_final="es cfr vs ca",
    ambiguous="""
    ecc pag pagg p pp n nr num art cap vol tel fig ed
    gen feb mar apr mag giu lug ago set ott nov dic
    a.c d.c km kg cm mm min s.p.a s.r.l spa srl
    """,
    starters="""
    Il Lo La I Gli Le L Un Uno Una Questo Questa Questi Queste Quel Quella Quello Quelli Io Tu
    Lui Lei Noi Voi Loro Egli Ella Esso Essa Essi Suo Sua Suoi Mio Mia Ma E O Però Quindi
    Dunque Poi Anche Inoltre Infatti Invece Tuttavia Così Allora Oggi Ieri Domani Ora Adesso
    In Per Con Da Di A Su Tra Fra Se Quando Come Mentre Dopo Prima Perché Anzi Non Ci Si Ne Mi
    Ti C Che Chi Cosa Dove Ogni Tutto Tutti Tutta Tutte Molti Alcuni Nel Nella Nei Del Della
    È E' Era Sono Ho Ha Abbiamo
    """,
    function_words="""
    il lo la i gli le l un uno una di del della dei delle a al alla ai da dal in nel nella con
    su per tra fra e ed o ma che se non è sono suo sua
    """,
)

PT = Language(
    prepositive="""
    sr sra srs sras srta d dr dra drs dras prof profa eng arq des min gen cel cap ten sarg
    pe fr sto sta exmo exma exa v.exa
    """,
    never_final="p.ex ex vs cf ca aprox",
    ambiguous="""
    etc pág págs p pp n nº n° no núm art cap vol tel av lda ltda s.a cia ed
    jan fev mar abr mai jun jul ago set out nov dez
    a.c d.c km kg cm mm min seg
    """,
    starters="""
    O A Os As Um Uma Uns Umas Este Esta Estes Estas Esse Essa Isso Isto Aquele Aquela Ele Ela
    Eles Elas Eu Tu Você Vocês Nós Seu Sua Seus Suas Meu Minha Mas E Ou Sem Com Em No Na Nos
    Nas Por Para De Do Da Desde Até Segundo Se Quando Como Embora Porque Pois Assim Então Logo
    Depois Antes Além Também Hoje Ontem Amanhã Agora Já Não Há É Era Foi São Que Quem Onde Qual
    Cada Todo Todos Toda Todas Tudo Nada Isso Muitos Alguns Outro Outra Outros Ao Aos
    """,
    function_words="""
    o a os as um uma de do da dos das ao aos em no na nos nas por pelo pela para com sem sobre
    entre e ou nem que como mas se seu sua é são foi era
    """,
)

# --------------------------------------------------------------------------------------------
# Germanic languages
# --------------------------------------------------------------------------------------------

DE = Language(
    prepositive="""
    hr hrn fr frl dr prof dipl ing mag st sr hl
    """,
    # Two-part abbreviations are written with a space ("z. B."): each single letter is an
    # abbreviation of its own; the engine handles "z." before "B." as an ambiguous one-letter.
    never_final="z.b d.h u.a o.ä u.ä v.a s.o s.u vgl bzw ca sog ggf evtl inkl exkl zzgl abzgl",
    ambiguous="""
    usw etc nr s abs art bd kap hrsg tel str pl
    jan feb febr mär apr jun jul aug sep sept okt nov dez
    mio mrd tsd jh jhd jhs geb gest verh zt v.chr n.chr u.a.m kg km min std
    """,
    starters="""
    Der Die Das Den Dem Des Ein Eine Einen Einem Einer Dieser Diese Dieses Diesen Jener Er Sie
    Es Ich Du Wir Ihr Man Sein Seine Ihre Unser Mein Meine Aber Und Oder Doch Denn Dann Danach
    Deshalb Daher Darum Trotzdem Jedoch Allerdings Außerdem Auch Auf Aus Bei Mit Nach Von Vor Zu
    Zum Zur Im Am Um In An Für Gegen Ohne Seit Während Wenn Als Ob Weil Da Dass So Heute Gestern
    Morgen Jetzt Nun Noch Schon Hier Dort Dabei Damit Was Wer Wie Wo Warum Welche Welcher Jeder
    Jede Alle Viele Einige Nicht Kein Keine Nur Sehr Ist War Sind Waren Hat Hatte Haben Wird
    Wurde Werden Kann Konnte Es Leider Also Insgesamt Zudem Ansonsten Vielen Danke Bitte
    """,
    function_words="""
    der die das den dem des ein eine einen einem einer und oder aber mit von zu zum zur im am
    in an auf aus bei nach für um ist sind war hat haben wird wurde nicht sich als wie
    """,
    ordinals=True,
)

NL = Language(
    prepositive="""
    dhr mevr mw mej mr dr drs ir ing prof ds st
    """,
    never_final="bijv bv o.a d.w.z z.g.a vs ca resp i.p.v m.b.t t.a.v t.o.v n.a.v",
    ambiguous="""
    enz etc nr blz p pp art hfst vol tel str afb jl jr sr
    jan feb mrt apr jun jul aug sep sept okt nov dec
    mln mld km kg min
    """,
    starters="""
    De Het Een Dit Dat Deze Die Er Hij Zij Ze Het Ik Jij Je Wij We U Hun Zijn Haar Mijn Ons
    Onze Maar En Of Want Dus Toch Daarna Daarom Dan Ook Bovendien Echter Toen Nu Vandaag
    Gisteren Morgen In Op Aan Bij Met Na Van Voor Door Om Uit Tot Sinds Tijdens Volgens Als
    Wanneer Omdat Hoewel Terwijl Zo Wat Wie Waar Waarom Hoe Welke Elke Alle Veel Sommige Niet
    Geen Is Was Zijn Waren Heeft Had Hebben Wordt Werd Kan Moet Zal Al Nog Verder Daar Hier
    Alles Niets Iedereen Niemand
    """,
    function_words="""
    de het een van in op aan bij met voor door om uit tot en of maar dat die is zijn was werd
    heeft hebben niet te naar als
    """,
    openers=",",
    lower_starts="'s 't",
)

# --------------------------------------------------------------------------------------------
# Russian
# --------------------------------------------------------------------------------------------

RU = Language(
    prepositive="""
    г-н г-жа гг-н проф акад доц д-р канд св
    """,
    # "т. е.", "т. д.", "т. п.", "и др." are written with spaces: each part is tested alone.
    never_final="т.е т.к т.н т.о т.ч напр ср см ок прибл",
    ambiguous="""
    т д п др пр г гг в вв им ул пл пер просп д кв стр рис табл гл ч т.д т.п и.о
    тыс млн млрд руб коп долл км кг см мм мин сек чел род
    янв фев февр мар апр авг сент сен окт нояб ноя дек
    англ лат нем франц греч др.-греч
    """,
    starters="""
    В Во На С Со К По За Из От До Для При После Перед Под Над О Об У Он Она Оно Они Я Ты Мы Вы
    Его Её Ее Их Этот Эта Это Эти Тот Та То Те Но И А Или Однако Также Тогда Затем Потом Поэтому
    Кроме Сегодня Вчера Завтра Сейчас Теперь Здесь Там Когда Если Хотя Так Как Что Кто Где
    Почему Какой Каждый Все Всё Многие Некоторые Не Нет Был Была Было Были Есть Уже Ещё Еще
    Впоследствии Позже Вскоре Однажды Среди Около Согласно
    """,
    function_words="""
    в во на с со к по за из от до для при о об у и а но или не что как это его её их был была
    было были
    """,
    openers="`",
)

# --------------------------------------------------------------------------------------------
# Caseless scripts: a caseless letter counts as a capital, so only abbreviations matter
# --------------------------------------------------------------------------------------------

AR = Language(
    # "د." doctor, "أ." / "أ.د." professor, "م." engineer; periods after them never end.
    prepositive="د أ أ.د م",
    never_final="إلخ ص ج",
    ambiguous="ه هـ ق.م ت",
    starters="""
    و في من إن أن كان كانت هذا هذه ذلك تلك لكن ثم وقد قد لم لن هو هي هم نحن أنا كما وفي
    وكان وكانت وهو وهي ومن وأن وإن على عن إلى مع بعد قبل عندما إذا لذلك حيث منذ يعد تعد
    """,
)

# Chinese and Japanese: "。！？" need no word lists; Latin text inside them ("Dr. Smith") gets the
# generic lists.
ZH = GENERIC
JA = replace(GENERIC, quote_continuations="と って")

HI = Language(
    # "डॉ." doctor, "श्री" needs no period, "प्रो." professor, "सं." editor/samvat, "ई." era.
    prepositive="डॉ प्रो श्रीमती कु सु",
    never_final="ई.पू ई आदि",
    ambiguous="सं पृ क्र",
)

LANGUAGES: dict[str, Language] = {
    "en": EN,
    "es": ES,
    "fr": FR,
    "de": DE,
    "it": IT,
    "pt": PT,
    "nl": NL,
    "ru": RU,
    "ar": AR,
    "zh": ZH,
    "ja": JA,
    "hi": HI,
}
