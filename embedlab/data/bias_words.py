"""Word lists for the bias probes, with their sources.

All words are lower-case because embedlab's corpora are lower-cased by default
(multi-word entries of the original lists, such as ``twin_brother``, are left out).

Sources
-------
- Bolukbasi, T., Chang, K.-W., Zou, J., Saligrama, V. & Kalai, A. (2016).
  "Man is to Computer Programmer as Woman is to Homemaker? Debiasing Word
  Embeddings". NeurIPS 2016. Lists from the authors' repository
  (tolga-b/debiaswe, ``data/definitional_pairs.json``, ``data/equalize_pairs.json``,
  ``data/gender_specific_seed.json``, ``data/professions.json``):
  :data:`GENDER_DEFINITIONAL_PAIRS` is their full definitional list;
  :data:`GENDER_EQUALISE_PAIRS` is the single-word, lower-case part of their
  equalise list; :data:`GENDER_SPECIFIC` is a subset of their gender-specific
  seed words (words that hard debiasing must *not* neutralise);
  :data:`OCCUPATIONS` is a subset of their professions.
- Caliskan, A., Bryson, J. J. & Narayanan, A. (2017). "Semantics derived
  automatically from language corpora contain human-like biases".
  Science 356(6334):183-186. :data:`WEAT_TESTS` holds the word sets of WEAT 1,
  2, 6, 7, 8, 9 and 10 from the paper's supplementary material (the same lists
  WEFE ships as ``wefe/datasets/data/WEAT.json``), lower-cased.
"""

from __future__ import annotations

#: Bolukbasi et al. (2016) gender definitional pairs, (female, male): the
#: direction is "first minus second", i.e. it points towards "she".
GENDER_DEFINITIONAL_PAIRS = [
    ("she", "he"), ("her", "his"), ("woman", "man"), ("mary", "john"), ("herself", "himself"),
    ("daughter", "son"), ("mother", "father"), ("gal", "guy"), ("girl", "boy"), ("female", "male"),
]

#: Bolukbasi et al. (2016) equalise pairs (single-word, lower-case subset), (female, male).
GENDER_EQUALISE_PAIRS = [
    ("she", "he"), ("her", "his"), ("herself", "himself"), ("woman", "man"), ("women", "men"),
    ("girl", "boy"), ("girls", "boys"), ("mother", "father"), ("mothers", "fathers"),
    ("daughter", "son"), ("daughters", "sons"), ("sister", "brother"), ("sisters", "brothers"),
    ("aunt", "uncle"), ("niece", "nephew"), ("grandmother", "grandfather"), ("grandma", "grandpa"),
    ("granddaughter", "grandson"), ("granddaughters", "grandsons"), ("mom", "dad"), ("moms", "dads"),
    ("queen", "king"), ("queens", "kings"), ("princess", "prince"), ("lady", "gentleman"),
    ("ladies", "gentlemen"), ("female", "male"), ("females", "males"), ("wives", "husbands"),
    ("motherhood", "fatherhood"), ("sorority", "fraternity"), ("schoolgirl", "schoolboy"),
    ("businesswoman", "businessman"), ("chairwoman", "chairman"), ("congresswoman", "congressman"),
    ("councilwoman", "councilman"), ("spokeswoman", "spokesman"), ("gals", "dudes"), ("mare", "gelding"),
    ("filly", "colt"), ("estrogen", "testosterone"), ("nun", "priest"), ("convent", "monastery"),
]

#: Words that are gender-specific by definition (Bolukbasi et al.'s seed list, subset):
#: hard debiasing leaves them (and every word of the pairs) un-neutralised.
GENDER_SPECIFIC = sorted({
    "actress", "actresses", "actor", "actors", "aunts", "uncles", "bride", "brides", "groom", "grooms",
    "boyfriend", "boyfriends", "girlfriend", "girlfriends", "brotherhood", "sisterhood", "husband", "wife",
    "daddy", "mommy", "mum", "father", "mother", "fiance", "fiancee", "gentleman", "lady", "guy", "guys",
    "gal", "gals", "dude", "dudes", "heroine", "hero", "hostess", "host", "lad", "lads", "lass",
    "maiden", "matriarch", "patriarch", "menopause", "prostate", "ovarian", "paternity", "maternity",
    "maternal", "paternal", "pregnancy", "pregnant", "sir", "madam", "mrs", "mr", "ms", "miss", "mister",
    "stepfather", "stepmother", "stepson", "stepdaughter", "widow", "widower", "widows", "waitress",
    "waiter", "witch", "wizard", "monk", "monks", "nuns", "priest", "priests", "godfather", "godmother",
    "heir", "heiress", "duke", "duchess", "lord", "baron", "baroness", "emperor", "empress", "sons",
    "daughters", "womb", "beard", "bachelor", "spinster", "manhood", "womanhood", "masculine", "feminine",
    "mary", "john", "himself", "herself", "him", "hers",
} | {w for pair in GENDER_DEFINITIONAL_PAIRS + GENDER_EQUALISE_PAIRS for w in pair})

#: Occupations (subset of Bolukbasi et al.'s professions list): the default target
#: words of the projection chart and the default neutral words of DirectBias.
OCCUPATIONS = [
    "nurse", "homemaker", "receptionist", "librarian", "hairdresser", "nanny", "bookkeeper", "stylist",
    "housekeeper", "secretary", "dancer", "singer", "teacher", "designer", "therapist", "counselor",
    "clerk", "cashier", "editor", "writer", "artist", "photographer", "journalist", "doctor", "lawyer",
    "judge", "professor", "scientist", "engineer", "architect", "programmer", "surgeon", "manager",
    "banker", "accountant", "economist", "financier", "philosopher", "historian", "politician",
    "president", "boss", "captain", "pilot", "soldier", "warrior", "officer", "detective", "sheriff",
    "farmer", "carpenter", "mechanic", "plumber", "electrician", "janitor", "butcher", "chef", "driver",
    "magician", "broadcaster", "director", "producer", "critic", "novelist", "composer", "student",
]

#: Default neutral words for DirectBias (Bolukbasi et al. use profession words).
NEUTRAL_WORDS = list(OCCUPATIONS)

#: The original WEAT tests of Caliskan et al. (2017), lower-cased. Each entry:
#: name, targets (X, Y), attributes (A, B) and the set names.
WEAT_TESTS = {
    "WEAT 1: flowers/insects vs pleasant/unpleasant": {
        "target_names": ("flowers", "insects"),
        "attribute_names": ("pleasant", "unpleasant"),
        "targets": (
            ["aster", "clover", "hyacinth", "marigold", "poppy", "azalea", "crocus", "iris", "orchid", "rose",
             "bluebell", "daffodil", "lilac", "pansy", "tulip", "buttercup", "daisy", "lily", "peony", "violet",
             "carnation", "gladiola", "magnolia", "petunia", "zinnia"],
            ["ant", "caterpillar", "flea", "locust", "spider", "bedbug", "centipede", "fly", "maggot", "tarantula",
             "bee", "cockroach", "gnat", "mosquito", "termite", "beetle", "cricket", "hornet", "moth", "wasp",
             "blackfly", "dragonfly", "horsefly", "roach", "weevil"],
        ),
        "attributes": "pleasant_unpleasant_25",
    },
    "WEAT 2: instruments/weapons vs pleasant/unpleasant": {
        "target_names": ("instruments", "weapons"),
        "attribute_names": ("pleasant", "unpleasant"),
        "targets": (
            ["bagpipe", "cello", "guitar", "lute", "trombone", "banjo", "clarinet", "harmonica", "mandolin",
             "trumpet", "bassoon", "drum", "harp", "oboe", "tuba", "bell", "fiddle", "harpsichord", "piano",
             "viola", "bongo", "flute", "horn", "saxophone", "violin"],
            ["arrow", "club", "gun", "missile", "spear", "axe", "dagger", "harpoon", "pistol", "sword", "blade",
             "dynamite", "hatchet", "rifle", "tank", "bomb", "firearm", "knife", "shotgun", "teargas", "cannon",
             "grenade", "mace", "slingshot", "whip"],
        ),
        "attributes": "pleasant_unpleasant_25",
    },
    "WEAT 6: male/female names vs career/family": {
        "target_names": ("male names", "female names"),
        "attribute_names": ("career", "family"),
        "targets": (
            ["john", "paul", "mike", "kevin", "steve", "greg", "jeff", "bill"],
            ["amy", "joan", "lisa", "sarah", "diana", "kate", "ann", "donna"],
        ),
        "attributes": (
            ["executive", "management", "professional", "corporation", "salary", "office", "business", "career"],
            ["home", "parents", "children", "family", "cousins", "marriage", "wedding", "relatives"],
        ),
    },
    "WEAT 7: math/arts vs male/female terms": {
        "target_names": ("math", "arts"),
        "attribute_names": ("male terms", "female terms"),
        "targets": (
            ["math", "algebra", "geometry", "calculus", "equations", "computation", "numbers", "addition"],
            ["poetry", "art", "dance", "literature", "novel", "symphony", "drama", "sculpture"],
        ),
        "attributes": (
            ["male", "man", "boy", "brother", "he", "him", "his", "son"],
            ["female", "woman", "girl", "sister", "she", "her", "hers", "daughter"],
        ),
    },
    "WEAT 8: science/arts vs male/female terms": {
        "target_names": ("science", "arts"),
        "attribute_names": ("male terms", "female terms"),
        "targets": (
            ["science", "technology", "physics", "chemistry", "einstein", "nasa", "experiment", "astronomy"],
            ["poetry", "art", "shakespeare", "dance", "literature", "novel", "symphony", "drama"],
        ),
        "attributes": (
            ["brother", "father", "uncle", "grandfather", "son", "he", "his", "him"],
            ["sister", "mother", "aunt", "grandmother", "daughter", "she", "hers", "her"],
        ),
    },
    "WEAT 9: mental/physical disease vs temporary/permanent": {
        "target_names": ("mental disease", "physical disease"),
        "attribute_names": ("temporary", "permanent"),
        "targets": (
            ["sad", "hopeless", "gloomy", "tearful", "miserable", "depressed"],
            ["sick", "illness", "influenza", "disease", "virus", "cancer"],
        ),
        "attributes": (
            ["impermanent", "unstable", "variable", "fleeting", "short", "brief", "occasional"],
            ["stable", "always", "constant", "persistent", "chronic", "prolonged", "forever"],
        ),
    },
    "WEAT 10: young/old names vs pleasant/unpleasant": {
        "target_names": ("young people's names", "old people's names"),
        "attribute_names": ("pleasant", "unpleasant"),
        "targets": (
            ["tiffany", "michelle", "cindy", "kristy", "brad", "eric", "joey", "billy"],
            ["ethel", "bernice", "gertrude", "agnes", "cecil", "wilbert", "mortimer", "edgar"],
        ),
        "attributes": (
            ["joy", "love", "peace", "wonderful", "pleasure", "friend", "laughter", "happy"],
            ["agony", "terrible", "horrible", "nasty", "evil", "war", "awful", "failure"],
        ),
    },
}

_PLEASANT_25 = ["caress", "freedom", "health", "love", "peace", "cheer", "friend", "heaven", "loyal", "pleasure",
                "diamond", "gentle", "honest", "lucky", "rainbow", "diploma", "gift", "honor", "miracle", "sunrise",
                "family", "happy", "laughter", "paradise", "vacation"]
_UNPLEASANT_25 = ["abuse", "crash", "filth", "murder", "sickness", "accident", "death", "grief", "poison", "stink",
                  "assault", "disaster", "hatred", "pollute", "tragedy", "divorce", "jail", "poverty", "ugly",
                  "cancer", "kill", "rotten", "vomit", "agony", "prison"]
for _test in WEAT_TESTS.values():
    if _test["attributes"] == "pleasant_unpleasant_25":
        _test["attributes"] = (list(_PLEASANT_25), list(_UNPLEASANT_25))
del _test
