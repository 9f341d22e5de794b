"""Crisis detection: spot signs of suicide, self-harm or danger in a free-text message, also in words never seen.

Every text a person sends passes through `detect_crisis` before anything else, so that a hit is answered at once.
A table of sentences cannot generalise, so the detector works with *concepts* (self, a third person, wish,
death, plan and time, methods, dangerous places, preparation, overdose and substances, burden, violence ...)
and *combinations* of them inside one clause, in either word order. It stays inspectable: every hit names the
rule that fired (e.g. ``plan.time_death``), which is safe to log and never holds text.

How a text is checked:

1. `normalise` (bot/crisis_text.py: NFKC, casefold, æ→ae ...) and typo correction of a few key words, then
   `fold`: æ/ae→a, ø/oe→o, å/aa→a, apostrophes dropped and doubled letters squeezed, so "dø", "doe" and "do", or
   "skære", "skaere" and "skare" are the same word. Every pattern below is written in plain Danish and English
   and folded the same way.
2. Idioms ("dødtræt", "this homework is killing me", "slog mig i skak") are masked by a barrier.
3. The text is cut into clauses (sentence ends, "men", "but"; a clause of more than 64 words is read in
   overlapping windows). A rule is a regular expression built from concept fragments; `near(a, b)` finds a and b
   within a few words in either order, so Danish inversion ("i nat tager jeg mit liv") needs no rule of its own.
   Danish morphology is handled by the folding and by open endings and compounds in the concepts ("sovepiller",
   "storebæltsbroen", "selvmordstanker"); a stemmer would split neither compounds nor slang, so there is none.
   Gates skip a rule when its clause has none of its family's or its own key words (a test checks that the gates
   never change a result).
4. The hits are judged as a whole: a clause that is clearly past ("for ti år siden ...") in a message that says the
   person is well now gives no alarm; a professional asking about their work, or a joke ("lol") without a
   "not a joke", does not fire on words alone; a third-party report is marked ``about="other"``.
5. The learned layer (bot/crisis_model.py) reads the whole message. It may overrule the rules' hits when it is
   nearly sure there is no crisis (more easily when the hits stand only in the past, or the message is a
   professional's or laughs), and when no rule stands it may fire alone (rule id ``model.p20``...``p90``) on seven
   words or more: at a threshold that is lower beside a cue of acuteness, higher in a calm message, and its own
   without any word a rule is anchored on, where it also needs ten words. All thresholds are chosen on other
   authors' messages, each scored by a model that never saw its writer (scripts/train_crisis_model.py).

Severity: ``acute`` (plan or time, preparation, means at hand, a dangerous place now, an overdose taken, violence
now, harm to others) and ``concern`` (ideation, passive wish, burden, self-harm). The figures on the labelled sets
are in bench/README.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Final, Literal

from bot.crisis_model import load_model
from bot.crisis_text import fold_word, prepare
from bot.word_prefilter import Prefilter

Severity = Literal["acute", "concern"]
About = Literal["self", "other"]


@dataclass(frozen=True)
class CrisisSignal:
    """What was found. `rules` are the ids of the rules that fired: safe to log, never text."""

    severity: Severity
    about: About
    rules: tuple[str, ...]

    @property
    def rule(self) -> str:
        """The first rule that fired, for a short log line."""
        return self.rules[0]


@dataclass(frozen=True)
class Rule:
    """One combination of concepts. `about` is "other" for rules written for a third person."""

    rule: str
    severity: Severity
    about: About
    pattern: str


# --- folding the rules' own patterns ---------------------------------------------------------------------------

_LETTERS: Final = re.compile(r"(?<!\\)[a-zæøåäö]+")


def _fold_pattern(pattern: str) -> str:
    """Fold the literal letters of a pattern, leaving regex syntax (\\w, \\s, (?: ...) alone."""
    return _LETTERS.sub(lambda match: fold_word(match.group()), pattern)


# --- concepts ---------------------------------------------------------------------------------------------------
# Plain words; `*` in a comment means "any ending". Every fragment is folded like the text.


def near(a: str, b: str, words: int = 4) -> str:
    """a and b in the same clause with at most `words` words between them, in either order."""
    gap = rf"(?:\W+\w+){{0,{words}}}\W+"
    return rf"(?:(?:{a}){gap}(?:{b})|(?:{b}){gap}(?:{a}))"


def then(a: str, b: str, words: int = 4) -> str:
    """a followed by b with at most `words` words between them."""
    return rf"(?:(?:{a})(?:\W+\w+){{0,{words}}}\W+(?:{b}))"


# Self and others
SELF: Final = r"(?:jeg|mig|min|mit|mine|i|im|ive|ill|id|me|my|myself)"
ME: Final = r"(?:mig selv|mig|myself|my self|me)"
RELATIVE: Final = (
    r"(?:stedfar\w*|stedmor\w*|papfar\w*|papmor\w*|step ?dad|step ?mum|step ?mom|step ?father|step ?mother|"
    r"søn|sønnen|sønner|sønnerne|datter|døtre\w*|barn\w*|børn\w*|kæreste\w*|mand|manden|kone\w*|partner\w*|"
    r"bror\w*|lillebror\w*|"
    r"storebror\w*|søster\w*|lillesøster\w*|storesøster\w*|ven|vennen|veninde\w*|bedste ?ven\w*|far|faren|mor|"
    r"moren|mormor|farmor|morfar|farfar|fætter|kusine|elev|elever|eleverne|klassekammerat\w*|kollega\w*|nabo\w*|"
    r"teenager\w*|son|sons|daughter\w*|kid|kids|child|children|boyfriend|girlfriend|bf|gf|husband|wife|"
    r"brother|sister|friend|friends|best ?friend|dad|father|mum|mom|mother|cousin|flatmate|roommate|student|"
    r"pupil|colleague|neighbou?r|teen|mate|bestie|buddy|pal|kammerat\w*|\d+ ?(?:year|yr|år)\w*(?: old| gamle?)?)"
)
THIRD: Final = rf"(?:(?:min|mit|mine|vores|my|our|hans|hendes|his|her)\W+(?:\w+\W+)?{RELATIVE}|han|hun|he|she|hes|shes)"
REFL_OTHER: Final = (
    r"(?:sig selv|sig|sit liv|sit eget liv|himself|herself|themselves|themself|his life|her life|their life|"
    r"his own life|her own life|hans liv|hendes liv)"
)

# Wish, intent, decision
WANT: Final = (
    r"(?:vil|ville|vile|lyst|ønsk\w*|håb\w*|gerne|bare|længes|trang|skal|truer med at|threaten\w* to|"
    r"talk\w* about|snakk\w* om|taler om|want\w*|wanna|wish\w*|hope|hoping|"
    r"rather|would like|like to|longing|klar til|klar til at|gonna|going to|gona|ready to|about to|ima|imma|"
    r"plan\w* to|tempted to|"
    r"overvej\w*|tænk\w*|think\w*|thought\w*|consider\w*|will|could just|might just|skal til at|er ved at)"
)
DECIDED: Final = (
    r"(?:besluttet|bestemt mig|beslutning|har valgt|klar nu|er klar|decided|made up my mind|my mind is made up|"
    r"im ready|i am ready|sure of it|det er besluttet|har en plan|lagt en plan|"
    r"en plan for|a plan to|made a plan|har tænkt mig at|har tænkt mig|planlagt|"
    r"planned|planning|have a plan|set a date|picked the date|fastsat)"
)
_NOT_WITH: Final = r"(?!\W+(?:with|med|between|mellem|for today|for now|there|here))"
_NOT_BACK: Final = r"(?!\W+(?:tilbage|back|i (?:egen|egne|mine) hænder|in my (?:own )?hands|seriøst|seriously|op|over))"
# Taking one's life, also with the subject after the verb ("i nat tager jeg mit liv")
TAKE_LIFE: Final = (
    "(?:"
    + then(r"(?:tage|tager|tog|taget|tar|ta)", r"(?:mit (?:eget )?liv" + _NOT_BACK + r"|livet af mig(?: selv)?)", 2)
    + "|"
    + r"(?:slå|sla) mig (?:selv )?ihjel|(?:slår|slog) (?:jeg )?mig selv ihjel|(?:slår|slog) jeg mig ihjel"
    + "|"
    + then(r"(?:gøre|gør|gjorde|gjort)", r"(?:en )?ende på (?:det|mig|mit liv|livet|det hele)", 2)
    + "|"
    + then(r"(?:ende|ender|endte|slutte|slutter|afslutte|afslutter)", r"(?:mit liv|livet|det hele|det)", 2)
    + ")"
)
# Death and ending (the writer's own)
# "dø" folds to "do": it is the Danish verb only after a Danish word that governs it ("vil dø", "at dø").
DIE_DA: Final = r"(?:(?:at|vil|ville|vile|skal|bare|bar|gerne|jeg|for at|lyst til at|bare gerne)\W+dø)"
DIE: Final = (
    TAKE_LIFE + "|" + DIE_DA + "|"
    r"(?:be ded|være ded|aldrig åbne (?:dem|øjnene) igen|never open (?:them|my eyes) again|"
    r"(?:it|it all|everything|this) to be over(?=\W*$)|(?:er det|det er) (?:slut|overstået|forbi) for mig|"
    r"(?:its|it is|itll be) over for me|done with (?:all of )?(?:this|it|everything|life) for good|"
    r"færdig med (?:det hele|alt|livet) for (?:altid|evigt)|forlade (?:denne|den her) verden|"
    r"leave this (?:world|earth)|forlade livet|"
    r"(?:ill|i will|im gonna|im going to) be (?:gone|dead|in heaven)(?=\W*$|\W+(?:for good|forever|by|before))|"
    r"check(?:ing)? out (?:for good|early|of life|permanently)|"
    r"(?:ikke|not) (?:\w+ ){0,3}(?:er|være|be|am) (?:her|here|alive|i live)(?= (?:i morgen|tomorrow|længere|"
    r"mere|anymore|much longer|by|til|efter|after|next)|\W*$)|die|dead|be dead|dying|være død|"
    r"(?:is|er) (?:the end|enden|slut) for (?:me|mig)|the end of me|"
    r"end (?:my|the) (?:suffering|pain)|ende (?:min|mine) (?:lidelse\w*|"
    r"smerte\w*)|var død|hellere død|bedre død|slut med mig|færdig med mig|"
    r"(?:not|wont|will not|aint)\W+(?:going to\W+|gonna\W+)?be (?:here|around|alive)|be around (?:after|anymore)|"
    r"(?:it all|everything|det hele|alt) (?:to )?(?:stop|end|stoppe|slutte|ende)"
    r"(?:\W+(?:forever|for good|for altid|permanently))?(?=\W*$)|stop forever|stoppe for altid|stop existing|"
    r"holde op med at eksistere|not exist|ikke eksistere|"
    r"didnt wake up|ikke vågnede|kill myself|kil myself|ende mit liv|end my life|"
    r"tage mit liv"
    + _NOT_BACK
    + r"|take my life"
    + _NOT_BACK
    + r"|slå mig selv ihjel|slå mig ihjel|tage livet af mig|gøre en ende på det|"
    r"gøre det af med mig selv|(?<!the )end it all|end it"
    + _NOT_WITH
    + r"|ending it"
    + _NOT_WITH
    + r"|end things|ending things|ende det hele|ender det hele|"
    r"slutte det hele|slutte det|slutter det|det er slut|er det slut|være her mere|være her længere|"
    r"her ikke mere|her ikke længere|be here anymore|be here any more|wont be here|will not be here|not be here|"
    r"wont be alive|not be alive|wont be around|væk for altid|væk for evigt|for evigt væk|for altid væk|"
    r"væk fra (?:det hele|alt|livet) for (?:altid|evigt)|away from (?:it all|everything) (?:forever|for good)|"
    r"gone for good|gone forever|forsvinde for altid|"
    r"disappear for good|disappear forever|sove for evigt|sove for altid|sleep forever|never wake up|"
    r"aldrig vågne|ikke vågne|dont wake up|not wake up|join (?:her|him|them)|kms|unaliv\w*)"
)
# "jeg vil (bare) dø", "har lyst til at dø", "vil jeg selv dø"; not "vil ikke dø".
WISH_DIE_DA: Final = (
    r"(?:vil|ville|vile|skal|lyst til at|ønsker at|ønske at|håber at|håber jeg|trang til at|gerne|længes efter at)"
    r"\W+(?:(?!ikke|ik|ikk|aldrig)\w+\W+){0,2}dø"
)
LIVE_NOT: Final = (
    r"(?:(?:ikke|ik|ikk|ike|no|not|dont|doesnt|didnt|isnt|aint|wouldnt|cant|cannot|wont|never|ingen)\W+(?:\w+\W+){0,3}"
    r"(?:leve|lever|live|living|alive|være her|be here|overleve|survive))"
)
# Time and plan
WEEKDAY: Final = (
    r"(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|weekend\w*)"
)
TIME: Final = (
    rf"(?:i aften|i nat|i morgen|imorgen|imorgn|i morgen tidlig|i dag|idag|nu i aften|om lidt|senere i dag|"
    rf"(?:i )?(?:næste|denne|den kommende) (?:uge|weekend|måned)|i weekenden|når|naar|inden \w+|"
    rf"(?:tomorrows|todays|i morgen er|i dag er) (?:the day|dagen)|"
    rf"(?:på|pa|til|næste|denne|this|next|on|by) {WEEKDAY}|{WEEKDAY}|om (?:en|to|tre|\d+) (?:uge|uger|dage|dag|"
    rf"timer|time)|tonight|tomorrow|tmrw|tmr|next week|this week|by the end of the week|end of the week|"
    rf"in (?:a|two|three|\d+) (?:days?|weeks?|hours?)|efter (?:eksamen|jul|nytår|begravelsen|festen|"
    rf"min fødselsdag)|after (?:my|the) \w+|når (?:alle|mor|far|de|han|hun|jeg|min|mine)\w*|"
    rf"when (?:everyone|my|they|she|he|the)\w*|(?:den|d) \d+|dato\w*|date|min fødselsdag|my birthday)"
)
DO_IT: Final = (
    r"(?:gør jeg det|gøre det|gør det|do it|doing it|det skal være|skal det være|det sker|sker det|skal det ske|"
    r"it happens|det slutter|it ends|it all ends)"
)
# Methods and means (the writer's own)
HIGH_PLACE: Final = (
    r"(?:bro|broen|broer|\w+broen|\w+tårn\w*|tag|taget|tage(?:t)? af|p-hus\w*|phus\w*|parkeringshus\w*|altan\w*|"
    r"etage|sal|"
    r"bygning\w*|hus\w*|klippe\w*|skrænt\w*|tårn\w*|vindue\w*|bridge|roof|rooftop|building|tower|cliff\w*|"
    r"balcony|floor|window|ledge|overpass|viaduct|footbridge|flyover|viadukt\w*|car ?park|parking (?:garage|lot|"
    r"structure)|multi ?storey)"
)
TRAFFIC: Final = (
    r"(?:tog|toget|togene|bus|bussen|bil|bilen|lastbil\w*|motorvej\w*|skinner\w*|train|trains|bus|truck|lorry|"
    r"car|cars|traffic|oncoming|motorway|highway|tracks)"
)
JUMP: Final = (
    r"(?:hoppe|hopper|hop|springe|springer|spring|kaste mig|kaster mig|smide mig|smider mig|smed mig|styrte mig|"
    r"styrter mig|step\w* off|gå ud foran|går ud foran|"
    r"lægge mig|lægger mig|sætte mig|sætter mig|jump\w*|throw myself|step (?:out )?in front|walk in front|lie down|"
    r"sit down|fall from)"
)
WATER: Final = (
    # "søen" and "åen" are written with a preposition: folded, they are "son" (also "søn") and "an".
    r"(?:havnen|vandet|molen|(?:ved|i|til|over) søen|søbred\w*|stranden|(?:ved|i|til|over|langs|along) åen|"
    r"havet|kajen|kajkant\w*|havnekant\w*|"
    r"vandkant\w*|waters edge|"
    r"water|waters edge|river|lake|sea|harbou?r|pier|"
    r"beach|shore|canal|quay)"
)
_DRIVE_INTO: Final = then(
    r"(?:køre|kører|drive|driving|crash\w*|smadre|swerv\w*|steer\w*|styre|styrer|dreje|drejer|veer\w*)",
    r"(?:ind i|into|mur|muren|wall|træ|tree|lastbil|truck|traffic|modkørende|oncoming|on purpose|med vilje|forbi|"
    r"galt|over i|modsatte vejbane|lane|off the road|off a cliff|ud over|\w+væg|\w+væggen|\w+mur|\w+muren)",
    4,
)
_WALK_INTO_WATER: Final = then(
    r"(?:gå|går|walk|walking)",
    r"(?:ud i vandet|ud i havet|ud i søen|into the sea|into the water|into the lake|into the river)",
    2,
)
_SWIM_OUT: Final = (
    r"(?:svømme|svømmer|swim|swimming)\W+(?:ud|out|langt ud|far out)\W+(?:\w+\W+){0,2}(?:til|until|till|indtil)\W+"
    r"(?:jeg|i)\W+(?:\w+\W+)?(?:ikke kan mere|cant anymore|cant any more|cant swim|synker|sink|drukner|drown|går under)"
)
_EXHAUST: Final = near(r"(?:bilen|car|motoren|engine)", r"(?:\w*garage\w*|slange|hose)", 6)
_GUN_THOUGHT: Final = then(
    r"(?:jagtgevær\w*|gevær\w*|pistol\w*|gun|rifle)", r"(?:tænker|tanker|think\w*|use it|bruge det|mig selv|myself)", 8
)
METHOD: Final = (
    r"(?:hænge mig|hænger mig|hang myself|hanging myself|hang me|skyde mig|skyder mig|shoot myself|plastic bag|"
    r"plastikpose\w*|pose over hovedet|bag over my head|head in a (?:plastic )?bag|suffocat\w* myself|"
    r"kvæle mig selv|strangle myself|choke myself|"
    r"shoot me|gun to my head|bullet (?:in|into|through) my (?:head|brain)|kugle (?:for panden|gennem hovedet|"
    r"i hovedet)|"
    r"pistol\w* mod mit hoved|pulsåre\w*|wrists?|drukne mig|drukner mig|drown myself|"
    r"drowning myself|udstødning\w*|exhaust|kulilte|carbon monoxide|"
    + then(JUMP, HIGH_PLACE + "|" + TRAFFIC + "|" + WATER, 6)
    + "|"
    + _DRIVE_INTO
    + "|"
    + _WALK_INTO_WATER
    + "|"
    + _EXHAUST
    + "|"
    + _SWIM_OUT
    + "|"
    + _GUN_THOUGHT
    + ")"
)
# Means bought or gathered
MEANS: Final = (
    r"(?:reb|rebet|strik|barberblad\w*|barberblade|rope|noose|razor\w*|blades|gun|shotgun|pistol|våben|gevær|"
    r"\w*gevær\w*|rifle|kul|"
    r"grillkul|charcoal|helium|gift|poison)"
)
PILLS: Final = (
    r"(?:\w*piller\w*|\w*pillerne|pil|\w*tablet\w*|\w*medicin\w*|medicine cabinet|medicine cupboard|"
    r"prescription\w*|recept\w*|plader|strips|blisters?|meds|medication\w*|medicine\w*|pills|pillz|"
    r"\w*drugs|painkiller\w*|sleeping pills|antidepressiv\w*|antidepressant\w*|antipsykoti\w*|antipsychotic\w*|"
    r"lykkepiller|nervepiller|smertestillende|panodil\w*|pamol\w*|paracetamol\w*|pinex|ipren\w*|ibuprofen\w*|"
    r"ibumetin\w*|treo|aspirin\w*|tylenol|advil|quetiapin\w*|seroquel|olanzapin\w*|zyprexa|abilify|"
    r"aripiprazol\w*|risperidon\w*|lithium|litium|sertralin\w*|zoloft|cipramil|citalopram|escitalopram|"
    r"fluoxetin\w*|prozac|venlafaxin\w*|mirtazapin\w*|amitriptylin\w*|stesolid\w*|diazepam|xanax|alprazolam|"
    r"panadol|nurofen|co-?codamol|naproxen|sertraline|pregabalin|lyrica|gabapentin|"
    r"oxapax|rivotril|clonazepam|zopiclon\w*|imovane|zolpidem|propavan|tramadol|oxycodon\w*|morfin\w*|"
    r"oxy\w*|kodein|codeine|metadon|methadone|fentanyl|insulin|benzo\w*|opioid\w*)"
)
CHEMICAL: Final = (
    r"(?:afløbsrens\w*|klorin|rensemiddel|rensemidler|kemikal\w*|ammoniak|lampeolie|rottegift|frostvæske|"
    r"kaustisk soda|bleach|antifreeze|drain cleaner|chemicals|ammonia|rat poison|lamp oil|weed killer|"
    r"opvaskemiddel|vaskemiddel|rengøringsmiddel\w*|detergent|dish soap|washing up liquid|"
    r"cleaning (?:product|fluid)\w*|"
    r"sæbe|soap|benzin|petrol|gasoline|sprit|methanol)"
)
SWALLOWED: Final = (
    r"(?:taget|tog|tager|tage|slugt|slugte|sluger|drukket|drak|drikker|spist|spiste|took|taken|take|taking|"
    r"swallowed|swallow|drank|drunk|drink|ate|eaten|popped|od|odd|ode)"
)
MANY: Final = (
    r"(?:alle|all|hele|whole|en masse|masse|mange|a lot|lots|load|bunch|for mange|too many|to many|way too many|"
    r"for meget|too much|way too much|extra|ekstra|dobbelt|double|everything|alt|handful|håndfuld|næve\w*|fistful|"
    r"(?:\d+|to|tre|fire|fem|two|three|four|five) (?:plader|strips|sheets|pakker|packs|æsker|boxes|glas|bottles)|"
    r"pakke\w*|pakning|glas|glasset|bøtte\w*|bottle|box|pack|packet|months supply|supply|alt hvad|alt det|"
    r"(?:[6-9]|[1-9]\d+)|seks|syv|otte|ni|ti|tolv|femten|tyve|tredive|fyrre|halvtreds|hundrede|"
    r"ten|twelve|fifteen|twenty|thirty|forty|fifty|hundred)"
)
# Dangerous places to be at now
AT: Final = (
    r"(?:står|sidder|er|ligger|gået|gåt|kravlet|klatret|nået|ude|derude|standing|sitting|stood|sat|im|i am|am|on|at|"
    r"lying|climbed|walked)"
)
DANGER_PLACE: Final = (
    # "taget" alone is also "taken": the roof only after a preposition.
    r"(?:bro|broen|\w+broen|\w+bro|(?:på|pa|fra|af|oppe på|ud på|op på) taget|tagkanten|kanten|p-huset|phuset|"
    r"parkeringshuset|skinnerne|"
    r"togskinnerne|togspor\w*|jernbanespor\w*|sporet|sporene|jernbane\w*|banen|bridge|roof|rooftop|ledge|edge|"
    r"tracks|train tracks|isen|the ice|thin ice|tynd is|"
    r"railway\w*|rail line|overpass|viaduct|footbridge|flyover|viadukt\w*|gangbro\w*|car ?park|"
    r"parking (?:garage|lot|structure)|cliff\w*|railing|gelænder\w*|"
    r"altankanten|øverste etage|top floor|top of|toppen af)"
)
WATER_CUE: Final = (
    r"(?:højt|high|dybt|deep|strøm\w*|current|nu|lige nu|koldt|kold|mørkt|mørk|alene|ingen her|kigger|ud i|"
    r"gå ud|now|right now|cold|dark|alone|høje|bølge\w*|waves|vil ikke tilbage|not coming back|"
    r"nobody|no one|looking|walk in|go in|so quiet|stille)"
)
PLATFORM: Final = r"(?:perron\w*|station\w*|platform)"
PLATFORM_CUE: Final = (
    r"(?:hoppe|springe|jump|næste tog|next train|foran|in front|express|comes through|step\w* off|toget kommer)"
)
# Preparation
HOARD: Final = (
    r"(?:gem\w*|spar\w*|samle\w*|samlet|hamstr\w*|hoard\w*|stash\w*|saving|saved|save up|collect\w*|"
    r"stockpil\w*|have enough|har nok|nok til|at have nok|to have enough)"
)
LETTER: Final = (
    r"(?:afskedsbrev\w*|farvelbrev\w*|selvmordsbrev\w*|sidste brev|goodbye letter\w*|goodbye note\w*|"
    r"farewell letter\w*|suicide note\w*|last letter|my goodbyes|mine farveller|goodbye (?:messages|emails|"
    r"texts|videos?)|"
    r"farvelbeskeder|afskedsbeskeder|afskedsvideo\w*)"
)
WROTE: Final = r"(?:skrevet|skrev|wrote|written|writing|left)"
LETTER_ANY: Final = r"(?:brev|breve|brevet|letter|letters|note|notes|besked\w*)"
FAMILY_TO: Final = (
    rf"(?:til|to|for)\W+(?:(?:(?:each|every|one|hver|hvert|hvér|alle|all)\W+(?:of\W+|af\W+)?)?(?:min|mine|mit|"
    rf"my|vores|our)\W+(?:\w+\W+)?(?:{RELATIVE}|familie|family|"
    rf"forældre|parents|kids|børn)|{RELATIVE}|alle|all of you|everyone|everybody|familien|my family|jer|you all|"
    rf"mine kære|my loved ones|the people i love)"
)
WILL: Final = r"(?:testamente\w*|my will|a will|will is|last will)"
WILL_OUT: Final = (
    r"(?:lagt frem|lagt|skrevet|lavet|frem|made|left out|wrote|written|on the|ready|klar|på bordet|find|finde|where)"
)
GAVE: Final = (
    r"(?:givet|gav|giver|give|gave|given|giving|foræret|forærer|rehome\w*|(?:et )?nyt hjem til|(?:a )?new home for|"
    r"someone to (?:take|look after)|nogen til at (?:tage|passe))"
)
PET: Final = (
    r"(?:kat|katten|hund|hunden|kanin\w*|hamster\w*|fugl\w*|dyr|cat|dog|pet|pets|bunny|rabbit|"
    r"(?:alle|all|most of|meste|mine|my)\W+(?:(?:\w+)\W+)?(?:ting|tingene|ejendele|stuff|things|belongings|planter|"
    r"plants|possessions))"
)
BOUGHT: Final = r"(?:købt|købte|køber|bestilt|bestilte|bought|buying|ordered|got)"
SEARCH: Final = (
    r"(?:googl\w*|søgt|søgte|søger|søg|tjekket|slået op|searched|search\w*|looked up|look up|looking up|undersøgt|"
    r"undersøger|researched|researching|reading about|read about|læst om|læser om)"
)
DOSE: Final = (
    r"(?:hvor mange|hvor meget|how many|how much|dødelig\w*|lethal|dose|dosis|fatal|overdose|overdosis|"
    r"hvordan man|how to|hvilke piller|which pills|virker hurtigst|hurtigste|fastest|quickest|damage your liver|"
    r"leverskade)"
)
# Passive wish, burden, hopelessness, farewell
ACCIDENT: Final = (
    r"(?:ramt af|kørt ned|ulykke\w*|kræft\w*|syg|sygdom|hit by|run over|accident|cancer|get sick|illness|"
    r"plane crash|flystyrt|styrter|styrte|crash\w*|falder ned|falls? down)"
)
BETTER_OFF: Final = (
    r"(?:bedre uden mig|better off without me|better without me|bedre hvis jeg|better if i|easier (?:for \w+ )?if i|"
    r"nemmere (?:for \w+ )?hvis jeg|lettet hvis jeg|lettede hvis jeg|relieved if i|glad if i|happier without me|"
    r"gladere uden mig|klarer sig bedre uden mig|klare sig bedre uden mig|"
    r"(?:jeg er|er jeg|im|i am|i m)\W+(?:\w+\W+){0,2}(?:byrde|belastning|burden|til besvær|nuisance)|"
    r"(?:byrde|belastning|burden) (?:for|to|on) (?:alle|everyone|everybody|min familie|my family|dem|them))"
)
NO_POINT: Final = (
    r"(?:(?:point|meningen|mening|grund|reason)\W+(?:in|of|med|til|to)\W+(?:\w+\W+){0,2}(?:being alive|living|"
    r"at leve|være i live|going on|carrying on)|hvorfor leve|why live|why keep living|point (?:in|of) living|"
    r"point (?:of|in) going on|point in carrying on|"
    r"no point (?:in )?going on|kan ikke se meningen|point in being alive|reason to (?:keep )?"
    r"liv\w*|reason to be alive|ingen grund til at leve|noget at leve for|nothing to live for|intet at leve for|"
    r"meningen med at leve|lige så godt være død|might as well be dead|hellere være død|rather be dead|"
    r"better off dead|bedre død)"
)
FAREWELL: Final = (
    r"(?:min sidste besked|sidste besked|my last message|this is my last|last message|farvel og tak|mit farvel|"
    r"my goodbye to|my farewell|sidste gang (?:i|du|you|you all) (?:hører|høre|hear) fra mig|"
    r"last time (?:you|you all|anyone)(?:ll| will)? hears? from me|dette er farvel|det er farvel|this is goodbye|"
    r"(?:hører|høre|hear|hearing) (?:\w+ )?(?:ikke|aldrig|never|not) (?:\w+ )?(?:mere|igen|again|anymore) fra mig|"
    r"(?:wont|will not|never|not) (?:be )?hear(?:ing)? from me (?:again|anymore|any more)|"
    r"goodbye everyone|bye everyone|farvel alle|farvel til alle|tak for alt og farvel|"
    + near(
        r"(?:farvel|goodbye|bye)",
        r"(?:vidste ikke|didnt know|did not know|no idea|sidste gang|last time|for altid|forever)",
        8,
    )
    + ")"
)
# Self-harm
HARM_VERB: Final = (
    r"(?:skær\w*|skar|skåret|cut|cuts|cutting|brænd\w*|burn\w*|krads\w*|scratch\w*|rids\w*|slå|slår|slog|"
    r"slået|punch\w*|hit|hits|hitting|bid|bider|bed|bite\w*|bit|river|rive|rev|skad\w*|hurt\w*|harm\w*|"
    r"carv\w*|pick\w*|sult\w*|starv\w*|gør skade på|gjort skade på|slash\w*|stab\w*|slam\w*|smæk\w*|smash\w*|knus\w*)"
)
HARM_OBJ: Final = (
    r"(?:mig selv|myself|my self|i mig|mine arme|mine ben|min arm|mit ben|my arms|my arm|my legs|my leg|my wrists|"
    r"my skin|min hud|huden|armene|armen|lårene|my thighs|i (?:låret|lårene|armen|armene|benet|benene|maven|"
    r"håndleddet|håndleddene|huden)|my (?:thigh|wrist|stomach|belly)s?)"
)
HEAD_WALL: Final = (
    "(?:"
    + near(
        r"(?:hovedet|head|knytnæve\w*|knuckles|fists|hænder|hånd\w*|hands?|næve\w*)",
        r"(?:væggen|wall|walls|gulvet|floor|blod|bløder|bleed\w*)",
        5,
    )
    + r"|punch\w* walls|slår i væggen|slår væggen)"
)
ON_PURPOSE: Final = (
    r"(?:med vilje|on purpose|deliberately|til blods|til (?:det|de|den|jeg) bløder|until (?:it|they|i) bleeds?|"
    r"till (?:it|they|i) bleeds?)"
)
# Violence against the writer
AGENT: Final = (
    rf"(?:{THIRD}|{RELATIVE}|de|nogen|someone|somebody|they|a man|en mand|en fyr|a guy|my ex|min eks|hendes|his)"
)
VIOLENT: Final = (
    r"(?:slår|slog|slået|slå|tæver|tævede|banker|bankede|sparker|sparkede|sparket|kvæler|kvalte|kvalt|kvæle|"
    r"skubbede|skubber|skubbet|kastede|kaster|smed|truer|truede|hits|hit|beats|beat|kicks|kicked|chokes|choked|"
    r"choking|strangl\w*|pushed|pushes|shoved|shoves|threw|throws|thrown|slapped|slaps|punched|punches|"
    r"threaten\w*|drags|drag|dragging|yank\w*|grabbed|grabs|grab|griber|greb|squeez\w*|klemmer|klemte|hurts|"
    r"hurt|rap\w*|voldtog|voldtager|"
    r"attacked|stabbed|tog mig om halsen|"
    r"tager mig om halsen|truet|trak|trækker|hiver|hev|pulled|dragged|tog fat i|held|holder|holdt|smidt|smed|"
    r"smider)"
)
FOLLOW: Final = (
    r"(?:følger efter mig|fulgt efter mig|fulgte efter mig|following me|followed me|stalking me|stalker mig)"
)
HIDING: Final = (
    r"(?:gemmer mig|gemt mig|skjuler mig|hiding|locked myself|låst mig inde|locked in|låst inde|barricaded|"
    r"barrikaderet)"
)
# Harm to others
KILL: Final = (
    r"(?:stikke|stikker|stik|dræbe|dræber|slå \w+ ihjel|slår \w+ ihjel|skyde|skyder|myrde|kill|killing|stab|"
    r"stabbing|shoot|shooting|murder|hurt|gøre \w+ fortræd|skade)"
)
VICTIM: Final = (
    r"(?:ham|hende|dem|him|her|them|everyone|alle|people|folk|"
    + then(
        r"(?:min|mit|my|the|that|den|det|en|a)",
        RELATIVE + r"|chef\w*|boss|lærer\w*|teacher|stedfar|stepdad|stepfather|nabo\w*|neighbou?r|klasse\w*|class",
        1,
    )
    + ")"
)
WEAPON: Final = r"(?:kniv\w*|pistol\w*|gevær\w*|våben|knife|knives|gun|guns|weapon\w*|rifle)"
SERIOUS: Final = (
    r"(?:og jeg mener det|jeg mener det|i mean it|im serious|i am serious|seriøst|seriously|ikke en joke|"
    r"ikk en joke|ik en joke|not a joke|not joking|no joke|for real|fr|this time|denne gang)"
)

_TAKE_OWN: Final = then(
    r"(?:tage|tager|tog|taget|end|ending|ende|take|taking|kill|killing|slå|dræbe|skade|hurt|harm|skyde|shoot|"
    r"hænge|hang|drukne|drown)",
    REFL_OTHER + r"|livet af sig|sig selv ihjel",
    2,
)

# --- the rules --------------------------------------------------------------------------------------------------


def _r(rule: str, severity: Severity, pattern: str, about: About = "self") -> Rule:
    return Rule(rule, severity, about, pattern)


RULES: Final[tuple[Rule, ...]] = (
    # Words that name it
    _r("ideation.suicide_word", "concern", r"(?:selvmord\w*|suicid\w*|selvmorsd\w*|sucid\w*)"),
    _r(
        "ideation.kill_self",
        "concern",
        r"(?:kil\w* (?:my ?self|myself)|kms|kys|ctb|sewerslide|sewer slide|self ?-?delete|unaliv\w*|"
        r"slå mig selv ihjel|"
        r"slår mig selv ihjel|sla mig selv ihjel|slå mig ihjel|"
        r"tage livet af mig|tager livet af mig|take my (?:own )?life"
        + _NOT_BACK
        + r"|taking my (?:own )?life"
        + _NOT_BACK
        + r"|"
        r"end(?:ing)? my (?:own )?life|ende mit liv|ender mit liv|afslutte mit liv|gøre en ende på (?:det|mig|mit liv)|"
        r"gør en ende på (?:det|mig|mit liv)|gøre det af med mig selv|(?<!the )end it all|ending it all|ende det hele|"
        r"ender det hele|slutte det hele|(?:to|gonna|going to|wanna|will|ill) off myself|" + TAKE_LIFE + ")",
    ),
    _r("ideation.wish_die", "concern", then(WANT, DIE, 3)),
    _r("ideation.wish_die_da", "concern", WISH_DIE_DA),
    _r("ideation.not_live", "concern", LIVE_NOT),
    _r(
        "ideation.done_with_life",
        "concern",
        r"(?:done (?:with|w) (?:life|living|it all|everything)|"
        r"færdig (?:med|m|w) (?:livet|at leve)|træt af at leve|træt af at være i live|træt af livet|tired of life|"
        r"sick of life|tired of (?:living|being alive|existing)|"
        r"sick of (?:living|being alive|existing)|træt af at (?:eksistere|være til)|"
        r"vil (?:\w+ )?(?:ikke|ik|ikk) mere(?=\W*$)|"
        r"ser ingen fremtid|ingen fremtid for mig|no future for me|see no future|dont see a future|intet håb for mig|"
        r"no hope for me|cant go on|kan ikke fortsætte|orker ikke at fortsætte|"
        r"orker (?:det )?(?:ikke|ik|ikk) (?:mere|længere|livet)|cant do this anymore|kan ikke mere(?=\W*$)|"
        r"vil ikke mere(?=\W*$)|vil ik mere(?=\W*$)|vil ikk mere(?=\W*$))",
    ),
    _r(
        "self_harm.again",
        "concern",
        r"(?:started|starting|begyndt at|begynder at|relapsed|back to) (?:cutting|skære|cutte|self ?harming|"
        r"burning myself|hurting myself)|cutting again|skærer igen|cutter igen|cuttet igen",
    ),
    _r("passive.wish_accident", "concern", near(r"(?:håb\w*|ønsk\w*|wish\w*|hope\w*|pray\w*|beder)", ACCIDENT, 8)),
    _r("passive.no_point", "concern", NO_POINT),
    _r(
        "passive.never_born",
        "concern",
        r"(?:aldrig (?:var )?blevet født|aldrig var født|never (?:been|was|were|be) born|ikke var født|wasnt born|"
        r"not been born|ikke var blevet født)",
    ),
    _r(
        "passive.nobody_cares",
        "concern",
        near(
            r"(?:if i died|if i was gone|if i were gone|if i was dead|if i disappeared|if i wasnt here|hvis jeg døde|"
            r"hvis jeg var (?:væk|død|borte)|hvis jeg forsvandt|"
            r"hvis jeg ikke var her|when im gone|når jeg er væk)",
            r"(?:no one|nobody|noone|ingen|would care|ville savne|would notice|miss me|opdage|ligeglad\w*)",
            8,
        ),
    ),
    _r(
        "passive.accident_ok",
        "concern",
        near(
            r"(?:kører mig ned|kørte mig ned|run me over|ran me over|hit me|rammer mig|ramte mig|crash\w*|styrter)",
            r"(?:fint|fine|okay|ok|ligeglad|dont care|wouldnt mind|gør ikke noget|better|bedre|relief|lettelse)",
            6,
        ),
    ),
    _r(
        "passive.wouldnt_mind",
        "concern",
        near(
            r"(?:wouldnt mind|would not mind|wouldnt care|ville ikke have noget imod|gør ikke noget|"
            r"ville være ligeglad|ligeglad)",
            DIE + r"|wake up|vågne\w*|døde|died",
            6,
        ),
    ),
    _r(
        "burden.without_me",
        "concern",
        near(
            r"(?:better off|better|bedre|happier|gladere|easier|nemmere|klare sig|relieved|lettet\w*|fine|fint|okay|"
            r"manage|cope)",
            r"(?:without me|uden mig|if i (?:\w+ ){0,2}(?:wasnt|was gone|were gone|wasnt around|died|disappeared)|"
            r"hvis jeg (?:\w+ ){0,2}(?:ikke var her|var væk|var død|døde|forsvandt))",
            8,
        ),
    ),
    _r(
        "farewell.say_goodbye",
        "concern",
        r"(?:sige|siger|say|saying) (?:farvel|goodbye) (?:til|to) (?:jer|alle|everyone|you all|all of you)",
    ),
    _r(
        "passive.never_wake",
        "concern",
        r"(?:never wake up|never to wake|not wake up|dont wake up|wont wake up|"
        r"aldrig åbne (?:dem|øjnene) igen|never open (?:them|my eyes) again|aldrig vågne|aldrig at vågne|"
        r"ikke vågne|ikke vågner|ikke at vågne|sove for evigt|sove for altid|"
        r"sleep forever|sleep and never)",
    ),
    _r(
        "passive.disappear",
        "concern",
        then(
            r"(?:vil|ville|want to|wanna|ønsker|wish i could|would like to)",
            r"(?:bare\W+|bar\W+|just\W+|helt\W+)?(?:forsvinde|disappear|vanish)(?!\W+(?:til|to|på|on|for en|for a)\W)",
            2,
        ),
    ),
    _r("burden.better_off", "concern", BETTER_OFF),
    _r(
        "passive.taken_away",
        "concern",
        r"(?:gud|god|døden|death|universet|the universe)\W+(?:\w+\W+)?(?:tager|tage|tog|henter|hente|takes|take|took|"
        r"would take|came for|kommer efter)\W+(?:mig|me)(?:\W+(?:\w+\W+){0,2}(?:søvne|sleep|away|bort|hjem|home|"
        r"now|nu))|"
        r"(?:dø|die|dies)\W+(?:\w+\W+)?(?:i søvne|in my sleep)",
    ),
    _r(
        "other.better_off",
        "concern",
        then(
            r"(?:said|says|sagde|siger|tells|told|thinks|mener|tror|skrev|wrote|texted|keeps saying|"
            r"bliver ved med at sige)",
            near(
                r"(?:better off|better|bedre|happier|gladere|easier|nemmere|klare sig)",
                r"(?:without (?:him|her|them)|uden (?:ham|hende|dem))",
                6,
            ),
            8,
        ),
        "other",
    ),
    _r(
        "burden.if_gone",
        "concern",
        near(
            r"(?:alle|everyone|de|they|familie\w*|family|verden|world|børn\w*|kids)",
            r"(?:ikke var her|wasnt here|was gone|were gone|var væk|disappeared|forsvandt|if i died|hvis jeg døde)",
            8,
        ),
    ),
    _r("farewell.last_message", "concern", FAREWELL),
    _r(
        "farewell.said_goodbye",
        "concern",
        then(r"(?:skrev|skrevet|sagde|sagt|sent|wrote|said|texted|sendt|sendte)", r"(?:farvel|goodbye|bye)", 2),
    ),
    _r(
        "farewell.not_your_fault",
        "concern",
        r"(?:ikke|not|isnt|is not) (?:er )?(?:din|jeres|deres|nogens|your|anyones|anybodys) (?:skyld|fault)",
    ),
    # Plan and time
    _r(
        "plan.time_farewell",
        "acute",
        near(
            TIME,
            r"(?:så er det|er det|det er|its|it is|then its) (?:farvel|goodbye)|"
            r"(?:siger|sige) jeg farvel|i say goodbye",
            4,
        ),
    ),
    _r("plan.check_out", "acute", near(TIME, r"check(?:ing)? out", 3)),
    _r("plan.time_death", "acute", near(TIME, DIE, 8)),
    _r("plan.time_not_live", "acute", near(TIME + "|" + DECIDED, LIVE_NOT, 8)),
    _r("plan.decided_death", "acute", near(DECIDED, DIE + "|" + DO_IT + r"|hvordan jeg skal|how and when|how i", 8)),
    _r("plan.time_do_it", "acute", near(TIME, DO_IT, 6)),
    _r(
        "plan.decided_alone",
        "acute",
        r"(?:jeg har bestemt mig|jeg har besluttet mig|i(?:ve| have) decided|i(?:ve| have) made (?:my|the) decision|"
        r"my mind is made up|i(?:ve| have) made up my mind|beslutningen er taget)(?=\W*$|\W+(?:and|og)\W)",
    ),
    _r(
        "plan.gone_after",
        "acute",
        r"(?:"
        + TIME
        + r"|så)\W+(?:\w+\W+){0,3}er jeg væk(?=\W*$)|(?:før|before) (?:det er|its|it is) (?:for sent|too late)",
    ),
    _r(
        "plan.when_i_do_it",
        "acute",
        r"(?:is when|er når|bliver når|det bliver)\W+(?:\w+\W+){0,4}(?:do it|gør det|gøre det|i go|går jeg|"
        + TIME
        + ")",
    ),
    _r(
        "prep.have_means",
        "acute",
        near(
            r"(?:already have|have the|got the|har allerede|har (?:de|dem|nok)|have enough|i have)\W+(?:\w+\W+)?(?:"
            + PILLS
            + "|"
            + MEANS
            + ")",
            r"(?:courage|mod\w*|just need|mangler bare|ready|klar|when|når)",
            8,
        ),
    ),
    _r(
        "method.chosen_place",
        "acute",
        r"(?:which|hvilken|hvilket|the) (?:bridge|building|roof|bro|bygning|tag|train|tog|spot|sted|place)\w* "
        r"(?:i(?:m| am)? going to|i will|ill|jeg (?:vil|skal)|to use|jeg bruger)|hvor jeg skal (?:hoppe|springe)|"
        r"where (?:to|i(?:ll| will)?|im going to) jump",
    ),
    _r(
        "prep.ready",
        "acute",
        r"(?:har det hele klar|har alt klar|har alt hvad jeg skal bruge|got what i need|have what i need|"
        r"have everything i need|everything is ready|alt er klar|have it all ready|"
        r"(?:pillerne|piller|the pills|rebet|the rope|reb|the gun|pistolen|geværet) (?:ligger|er|are|is|står) "
        r"(?:\w+ )?(?:klar|ready|fremme))",
    ),
    _r(
        "prep.wrote_to_loved",
        "acute",
        then(
            WROTE,
            r"(?:til|to) (?:alle|everyone|everybody|dem|those|the people) (?:jeg|i) "
            r"(?:elsker|love|holder af|care about)",
            2,
        ),
    ),
    _r(
        "method.rope",
        "acute",
        near(
            r"(?:reb|rebet|rope|noose|løkke\w*)",
            r"(?:skov\w*|woods|forest|træ|træet|tree|bjælke\w*|beam|loft\w*|attic|garage\w*|kælder\w*|basement|hænge|"
            r"hang)",
            6,
        ),
    ),
    _r(
        "place.going_up",
        "acute",
        r"(?:på vej|on my way|going|heading|klatrer|climbing)\W+(?:\w+\W+){0,2}(?:op på|up to|to the top|op til|up on)"
        r"\W+(?:\w+\W+){0,3}(?:toppen|top|taget|roof|broen|bridge|\w*tårn\w*|tower|" + HIGH_PLACE + ")",
    ),
    _r(
        "violence.threat",
        "acute",
        then(
            AGENT,
            r"(?:truer|truede|threaten\w*)(?: med)?(?: at| to)? (?:\w+ ){0,2}(?:smadre|bryde|break|kill|slå|dræbe|hurt|"
            r"stikke|skyde|shoot|stab)",
            4,
        ),
    ),
    _r(
        "other.cant_go_on",
        "concern",
        then(
            THIRD,
            r"(?:\w+\W+){0,5}(?:ikke kan mere|kan ikke mere|cant go on|cant take it|cant do this|ikke orker|"
            r"doesnt want to (?:live|be here)|vil ikke leve)",
            0,
        ),
        "other",
    ),
    _r(
        "prep.hidden_place",
        "acute",
        r"(?:ingen|nobody|no one|noone)\W+(?:kan|vil|skal|will|can|would|could)\W+(?:\w+\W+)?(?:finde|find) mig|"
        r"found a place where|fundet et sted hvor",
    ),
    _r(
        "plan.jump_inverted",
        "acute",
        r"(?:så|sa|og så|" + TIME + r")\W+(?:\w+\W+)?(?:hopper|springer|hoppe|springe) jeg"
        r"(?!\W+(?:over|op|ind|i seng|i bad|på|ud i det|med|rundt|af|fra \w+ til))",
    ),
    _r(
        "plan.date_set",
        "acute",
        r"(?:sat en dato|sat datoen|valgt dagen|valgt datoen|valgt en dato|fastsat en dato|chosen the (?:day|date)|"
        r"picked the (?:day|date)|picked a date|set a date|set the date)(?:\W+(?:for hvornår|for when)\W.*|\W+(?:"
        + TIME
        + r"|\d+\W*\w*)(?:\W+\w+)?)?\W*$",
    ),
    _r(
        "plan.the_day",
        "acute",
        r"(?:tomorrow|tomorow|tonight|tonite|today|i morgen|i aften|i nat|i dag)(?:s| is| er)? (?:the (?:day|night)|"
        r"dagen|natten)(?=\W*$)|this is it|(?:tonight|i aften|i nat) (?:i go|går jeg|sker det|it happens)",
    ),
    _r(
        "plan.last_day",
        "acute",
        r"(?:(?:min|my) sidste (?:dag|nat|aften)|(?:my|the) last (?:day|night))(?!\W+(?:på|i|at|in|of|on|før|before|"
        r"with|med|off|fri|til|to)\W)",
    ),
    _r(
        "plan.how_and_when",
        "acute",
        near(r"(?:how and when|when and how|hvordan og hvornår|hvornår og hvordan)", DO_IT + "|" + DIE, 8),
    ),
    _r(
        "plan.all_planned",
        "acute",
        r"(?:planned (?:it )?(?:all )?out|got it all planned|have it all planned|(?:har )?planlagt det hele|"
        r"har det hele planlagt|planned everything|planlagt alt|worked out how|fundet ud af hvordan)"
        r"(?:\W+(?:for\W+)?(?:" + TIME + r")(?:\W+\w+)?)?\W*$",
    ),
    # Preparation
    _r("prep.hoard_pills", "acute", near(HOARD, PILLS, 6)),
    _r("prep.hoard_means", "acute", near(HOARD, r"(?:barberblad\w*|razor\w*|blades|skalpel\w*|scalpel\w*)", 4)),
    _r("prep.letter", "acute", LETTER),
    _r("prep.letters_family", "acute", then(WROTE, then(LETTER_ANY, FAMILY_TO, 3), 3)),
    _r("prep.will", "acute", near(WILL, WILL_OUT, 5)),
    _r("prep.gave_away", "acute", near(GAVE, PET, 4)),
    _r("prep.bought_means", "acute", then(BOUGHT, MEANS, 3)),
    _r("prep.search_dose", "acute", near(SEARCH, DOSE, 6)),
    _r(
        "prep.search_place",
        "acute",
        near(
            SEARCH,
            near(
                r"(?:highest|tallest|højeste|dybeste|deepest|high enough|høj nok|høje|high)",
                HIGH_PLACE + "|" + WATER + "|" + DANGER_PLACE,
                4,
            ),
            6,
        ),
    ),
    _r(
        "prep.deleted",
        "acute",
        r"(?:slettet|slettede|sletter|deleted|deleting) (?:alle |all )?(?:mine|my) (?:billeder|photos|pictures|"
        r"profil\w*|"
        r"profiles?|accounts?|social media|konti|instagram|snap\w*|facebook|tiktok)",
    ),
    _r(
        "prep.means_at_hand",
        "acute",
        near(
            r"(?:reb|rebet|løkke\w*|rope|noose|razor\w*|barberblad\w*|gun|shotgun|\w*gevær\w*|pistol\w*|rifle)",
            r"(?:(?:i know|jeg ved) (?:where|hvor|the code|koden)|keep thinking|tænker på det|thinking about it|"
            r"klar|ready|ligger (?:i|under|klar)|is in my|"
            r"in my (?:wardrobe|closet|"
            r"drawer|room|bag|car)|i mit (?:skab|værelse)|i min (?:skuffe|taske|bil)|hidden|gemt|under (?:my|"
            r"min) (?:bed|seng))",
            8,
        ),
    ),
    _r(
        "method.cut_deep",
        "acute",
        near(WANT + r"|jeg|i", r"(?:skære|skær\w*|cut\w*)\W+(?:\w+\W+)?(?:dybt|dybere|deep|deeper)", 4),
    ),
    _r(
        "plan.take_them_all",
        "acute",
        near(
            TIME,
            r"(?:take|swallow|tage|sluge) (?:all of them|them all|dem alle\w*|alle sammen|everything|alt sammen)",
            6,
        ),
    ),
    _r(
        "method.accident",
        "acute",
        r"(?:look|looks|ligne|ligner|se ud) (?:like|som) (?:an |en )?(?:accident|ulykke|uheld)",
    ),
    _r(
        "prep.search_death",
        "acute",
        near(
            SEARCH,
            r"(?:dø|die|dying|dead|dødelig\w*|lethal|painless\w*|smertefri\w*|hænge\w*|hanging|hang yourself|"
            r"kill yourself|slå sig ihjel|tage sit liv|selvmord\w*|suicid\w*|overdos\w*)",
            8,
        ),
    ),
    _r(
        "prep.affairs",
        "acute",
        r"(?:(?:sorted|ordnet|styr på) (?:out )?(?:my|min|mine) (?:bank\w*|finances|økonomi|papers|papirer|affairs)|"
        r"who gets my (?:things|stuff|cat|dog|\w+)|hvem der (?:skal )?(?:have|arve|passe|overtage) \w+|"
        r"ordnet mine papirer|sorted (?:out )?my affairs|(?:put|putting) my affairs in order|styr på mine papirer|"
        r"passwords? (?:are )?written down|skrevet (?:mine )?adgangskoder)",
    ),
    _r(
        "prep.lethal_dose",
        "acute",
        then(
            DOSE + r"|hvor høj\w*|how high|how tall|hvor dyb\w*|how deep|how far|hvor langt|hvor lang tid|how long",
            r"(?:\w+\W+){0,10}(?:dø|dør|døde|dies|die|dødelig\w*|lethal|fatal|for at dø|to die)",
            0,
        ),
    ),
    # Method
    _r("method.named", "acute", near(WANT + r"|vil bare|jeg|i|ill|id|im|ive", METHOD, 6)),
    _r(
        "method.gun_on_me",
        "acute",
        then(
            r"(?:\w*gevær\w*|pistol\w*|revolver\w*|gun|rifle|shotgun)",
            r"(?:bruge|use|using|skyde|shoot)\W+(?:\w+\W+){0,3}(?:mig selv|myself|my head|mit hoved|on me|på mig)",
            12,
        ),
    ),
    _r(
        "method.pills",
        "acute",
        then(WANT, then(r"(?:swallow\w*|take|taking|tage|sluge|spise|eat|tager)", near(MANY, PILLS, 3), 2), 4),
    ),
    # A dangerous place now
    _r("place.high_or_tracks", "acute", then(AT, r"(?:\w+\W+){0,3}" + DANGER_PLACE, 0)),
    _r(
        "place.over_edge",
        "acute",
        near(
            DANGER_PLACE + "|" + HIGH_PLACE,
            r"(?:legs|feet|ben|benene|fødder|fødderne)\W+(?:\w+\W+)?(?:over|dangl\w*|ud over)|over the side|"
            r"ud over kanten|dingler|dangl\w*|over the railing|over rækværket|over gelænderet",
            8,
        ),
    ),
    _r("place.water", "acute", near(then(AT, r"(?:\w+\W+){0,4}" + WATER, 0), WATER_CUE, 8)),
    _r("place.platform", "acute", near(PLATFORM, PLATFORM_CUE, 8)),
    _r(
        "place.high_floor",
        "acute",
        near(
            r"(?:\d+\W*(?:etage|sal|floor)|\d+(?:th|st|nd|rd) floor|top floor|øverste (?:etage|sal)|altan\w*|balcony|"
            r"vindue\w*|window\w*|tag\w*|roof)",
            r"(?:kigge\w* ned|look\w* down|ud over|over the edge|kanten|edge|railing|gelænder\w*|hoppe|jump\w*|"
            r"springe|benene ud|legs over)",
            8,
        ),
    ),
    _r(
        "place.by_water",
        "acute",
        then(
            r"(?:standing|sitting|står|sidder|stands|sits)",
            r"(?:by|at|ved|on|på|nede ved)\W+"
            r"(?:the\W+)?" + WATER,
            1,
        ),
    ),
    # Overdose or poisoning taken
    _r(
        "overdose.word",
        "acute",
        r"(?:overdos\w*|overdid|overdo\w*|oded|odet|od\W+(?:on|på|with|med|mine|my)(?=\W))",
    ),
    _r("overdose.many_pills", "acute", then(SWALLOWED, near(MANY, PILLS, 4), 3)),
    _r(
        "overdose.pills_many",
        "acute",
        then(
            SWALLOWED,
            r"(?:\w+\W+){0,2}(?:mine|my|min|mit|hans|hendes|his|her)\W+"
            r"(?:\w+\W+)?" + PILLS + r"\W+(?:\w+\W+){0,2}(?:på en gang|at once|all at once|på én gang)",
            0,
        ),
    ),
    _r("overdose.chemical", "acute", near(SWALLOWED, CHEMICAL, 4)),
    _r(
        "overdose.container",
        "acute",
        then(
            r"(?:taget|tog|took|taken|swallowed|slugt|slugte|popped)",
            r"(?:\w+\W+){0,2}(?:hel|hele|whole|entire|full|alle|all)\W+(?:\w+\W+)?(?:pakke\w*|pakning\w*|æske\w*|"
            r"glas\w*|bøtte\w*|pack\w*|box|bottle|blister\w*|strip|sheet)(?!\W+(?:\w+\W+)?(?:vin|wine|vodka|beer|"
            r"øl|chokolade|chocolate\w*|slik|candy|cookies|kiks|cereal|tissues|kage\w*|cake|pizza|vitamin\w*))",
            0,
        ),
    ),
    _r("overdose.on_purpose", "acute", near(then(SWALLOWED, PILLS, 4), ON_PURPOSE, 4)),
    _r(
        "overdose.swallowed_on_purpose",
        "acute",
        near(r"(?:drukket|drak|drank|swallowed|slugt|slugte|spist|spiste|ate|eaten)", r"(?:med vilje|on purpose)", 4),
    ),
    # Self-harm
    _r("self_harm.word", "concern", r"(?:selvskad\w*|self ?-?harm\w*|selvskade\w*|sh|shd|shed again|cutter|cuttet)"),
    _r("self_harm.act", "concern", then(HARM_VERB, HARM_OBJ + r"(?!\W+ihjel)", 2)),
    _r("self_harm.head_wall", "concern", HEAD_WALL),
    _r(
        "self_harm.fire_needles",
        "concern",
        r"(?:sat|sætter|sætte|set|setting|sets) (?:ild til )?(?:mig selv|myself|min hud|my skin)\W+(?:i brand|on fire)|"
        r"(?:stikker|stikke|stak|prikker|prikke|stab\w*|poke\w*|prick\w*) (?:mig selv|myself)\W+(?:\w+\W+)?"
        r"(?:med )?(?:nåle\w*|needles?|pins?|knappenål\w*|sikkerhedsnål\w*|passer\w*|compass)",
    ),
    _r(
        "self_harm.until",
        "concern",
        then(
            r"(?:holder|holde|hold\w*|presser|presse|press\w*|trykker|trykke|kradser|ridser|gnider|rub\w*|pinch\w*|"
            r"knib\w*|dig\w*|graver)",
            r"(?:til|until|till|indtil) (?:det|de|den|jeg|der kommer|it|they|i|there(?:s| is)) (?:brænder|bløder|"
            r"gør ondt|blod|burns?|bleeds?|hurts?|blood|blister\w*|vabl\w*)",
            8,
        ),
    ),
    _r(
        "self_harm.cut_me",
        "concern",
        r"(?:skær\w*|skar|skåret|rids\w*|krads\w*|cutter|cuttet|cutted)\W+mig"
        r"(?!\W+(?:på|ved|under|til|i (?:fingeren|hånden|tommelen|tommelfingeren)))",
    ),
    _r("self_harm.on_purpose", "concern", near(HARM_VERB, ON_PURPOSE, 6)),
    # Hurting oneself in other words: pain given on purpose, punishing one's body, pressing something hot or sharp
    # into the skin, breaking a bone on purpose.
    _r(
        "self_harm.pain",
        "concern",
        r"(?:(?:gjort|gør|gøre|giver|gav) mig selv ondt(?! i (?!armen|armene|huden|benene|lårene))|"
        r"straffe\w* mig selv (?:fysisk|med|ved at)|punish\w* myself (?:physically|by|with)|"
        + near(
            r"(?:brækk\w*|knæk\w*|broke|trykke\w*|trykkede|presse\w*|presset|pressing|pressed|glødende|red hot)",
            ON_PURPOSE + r"|mod min (?:arm|hud|hånd|håndled)|(?:into|against) my (?:arm|skin|wrist|hand)|"
            r"ind i (?:armen|huden|håndleddet)|i armen (?:hele dagen|igen)",
            5,
        )
        + ")",
    ),
    _r(
        "self_harm.cut_again",
        "concern",
        then(
            r"(?:i|jeg)",
            r"(?:cut|skar|cuttede|skåret)\W+(?:again|igen|last night|i nat|"
            r"i går|yesterday|today|i dag|tonight|for the first time)",
            1,
        ),
    ),
    # Violence against the writer
    _r("violence.against_me", "acute", then(AGENT, then(VIOLENT, r"(?:mig|me)(?!\W+(?:up|i skak|at))", 2), 6)),
    _r(
        "violence.held",
        "acute",
        r"(?:held me down|holdt mig fast|holder mig fast|(?:wont|wouldnt|will not|would not) let me (?:go|leave|out)|"
        r"vil ikke lade mig gå|lukker mig ikke ud|låser mig inde|locks me in|locked me in)",
    ),
    _r(
        "violence.throat",
        "acute",
        r"(?:om halsen|by the throat|around my neck|om min hals|strangled|kvalt mig|kvalte mig|"
        r"choked me|strangled me)",
    ),
    _r("violence.followed", "acute", FOLLOW),
    _r(
        "violence.touch",
        "acute",
        near(
            r"(?:rører ved mig|rører mig|rørte ved mig|touches me|touched me|forces me|forced me|tvinger mig|"
            r"tvang mig)",
            r"(?:om natten|at night|uden|without|mod min vilje|against my will|jeg vil ikke|i dont want|når mor|"
            r"when mum|when mom|alone|alene|secret|hemmelig\w*)",
            6,
        ),
    ),
    _r(
        "violence.at_door",
        "acute",
        near(
            r"(?:outside my (?:door|house|flat|window|apartment)|uden for (?:min|mit) (?:dør|hus|lejlighed|vindue)|"
            r"udenfor døren|at my door|ved min dør|ved døren)",
            r"(?:wont (?:leave|go)|vil ikke gå|banker|banging|knocking|trying to get in|prøver at komme ind|"
            r"scared|bange)",
            8,
        ),
    ),
    _r(
        "violence.assaulted",
        "acute",
        then(
            r"(?:jeg er blevet|jeg blev|blev jeg|jeg bliver|bliver jeg|jeg har været|er jeg blevet|i was|i got|"
            r"ive been|"
            r"i have been|i am being|im being|i get|i keep getting)",
            r"(?:voldtaget|raped|truet|threatened|stukket|stabbed|skudt|shot|slået|hit|kvalt|choked|"
            r"overfaldet|assaulted|sexually assaulted|tævet|banket|gennembanket|mishandlet|beaten|beaten up|attacked|"
            r"strangled|molested|misbrugt|abused|held down|holdt fast|spærret inde|locked in)",
            2,
        ),
    ),
    _r("violence.other_victim", "acute", then(THIRD, then(VIOLENT, r"(?:her|him|hende|ham|them|dem)", 1), 3), "other"),
    _r(
        "violence.hiding",
        "acute",
        near(
            HIDING,
            AGENT
            + r"|him|her|them|he|she|hes|shes|theyre|nu|now|right now|badeværelset|bathroom|closet|skab\w*|lås\w*|"
            r"lock\w*|going crazy|"
            r"flipping out|helt vild|raser|smadrer|breaking|råber|screaming|fuld|drunk",
            8,
        ),
    ),
    _r(
        "violence.not_safe",
        "acute",
        r"(?:not safe|ikke i sikkerhed|i (?:livs)?fare(?!\W+for)|in danger(?!\W+of)|ikke tryg derhjemme|"
        r"tør ikke gå hjem|scared to go home|afraid to go home)",
    ),
    _r(
        "violence.will_kill_me",
        "acute",
        then(
            AGENT,
            r"(?:going to|gonna|will|skal|vil|kommer til at|truer med at|"
            r"threatens to|threatened to)?\W*(?:kill|kil|murder|slå|slår|dræbe)\W+(?:me|mig)(?:\W+ihjel)?",
            4,
        ),
    ),
    # Harm to others
    _r(
        "harm_others.afraid_of_self",
        "acute",
        near(
            KILL + r"|kvæle|kvæler|strangle|choke|smother|gøre (?:\w+ )?fortræd|skade",
            r"bange for mig selv|afraid of myself|scared of myself|bange for hvad jeg (?:gør|kan gøre)|"
            r"afraid of what i (?:might|will|could) do|scared of what i (?:might|will|could) do",
            12,
        ),
    ),
    _r("harm_others.kill", "acute", then(r"(?:jeg|i|im|ill|ima)", then(KILL, VICTIM, 4), 4)),
    _r(
        "harm_others.baby_da",
        "acute",
        r"(?:bange for|frygter|angst for|tanker om) (?:at )?(?:jeg )?(?:\w+ ){0,3}(?:gøre|skade|ryste|kvæle) "
        r"(?:min|mit|mine) (?:\w+ )?(?:baby|barn|børn|søn|datter|spædbarn|lille)(?: fortræd)?",
    ),
    _r(
        "harm_others.attack",
        "acute",
        r"(?:shoot up|skyde (?:løs|ned) på|skyde (?:på|i) (?:skolen|klassen)|shoot (?:everyone|people|them all)|"
        r"skyde (?:alle|folk)|bomb (?:the|my) \w+|sprænge \w+ i luften|massacre|massakre)",
    ),
    _r(
        "harm_others.kill_da",
        "acute",
        then(
            r"(?:jeg|vil|lyst)",
            r"(?:slå|slår|sla)\W+(?:ham|hende|dem|min \w+|"
            r"den \w+|alle)\W+ihjel",
            4,
        ),
    ),
    _r(
        "harm_others.weapon",
        "acute",
        near(
            then(r"(?:tager|tage|tog|har|bringing|bring|brought|taking|take)", WEAPON, 4),
            r"(?:med|skole\w*|school|arbejde|work|bruge den|use it|class|klassen)",
            6,
        ),
    ),
    _r(
        "harm_others.baby",
        "acute",
        near(
            r"(?:bange|frygt\w*|afraid|scared|worried|tanker|thoughts|fear|thinking about|tænker på)",
            then(
                r"(?:skade|gøre \w+ fortræd|gøre fortræd|hurt\w*|harm\w*|ryste|shake|shaking|kvæl\w*|smother\w*|"
                r"drown\w*|drukne|gøre (?:min|mit|mine|my) (?:baby|barn|børn|søn|datter|spædbarn) fortræd)",
                r"(?:(?:\w+\W+){0,3}(?:baby|babyen|barn|barnet|child|kid|søn|datter|son|daughter|spædbarn|"
                r"newborn|her|him|hende|ham))",
                3,
            ),
            8,
        ),
    ),
    # Third person: the same concepts with a third person as the one at risk
    _r(
        "other.suicide",
        "concern",
        then(
            THIRD,
            r"(?:\w+\W+){0,6}(?:"
            + then(WANT, DIE, 3)
            + "|"
            + WISH_DIE_DA
            + "|"
            + _TAKE_OWN
            + r"|selvmord\w*|suicid\w*)",
            0,
        ),
        "other",
    ),
    _r("other.self_harm", "concern", then(HARM_VERB, r"(?:sig selv|sig|himself|herself|themselves|i sig)", 2), "other"),
    _r(
        "other.self_harm_word",
        "concern",
        then(
            THIRD,
            r"(?:\w+\W+){0,3}(?:cutting|cutter|cuttet|self ?harming|selvskader|skærer)(?=\W*$|\W+(?:again|igen))",
            0,
        ),
        "other",
    ),
    _r(
        "other.pills",
        "acute",
        then(
            THIRD,
            r"(?:\w+\W+){0,4}" + SWALLOWED + r"(?:\W+\w+){0,4}\W+(?:" + PILLS + "|" + CHEMICAL + r"|overdos\w*)",
            0,
        ),
        "other",
    ),
    _r(
        "other.goodbye",
        "concern",
        then(
            THIRD,
            r"(?:\w+\W+){0,5}(?:farvel|goodbye|afskedsbrev\w*|farewell|"
            r"suicide note|goodbye (?:letter|note|text)|brev|letter|note)",
            0,
        ),
        "other",
    ),
    _r(
        "other.place",
        "acute",
        then(THIRD, r"(?:\w+\W+){0,4}(?:is|are|er|" + AT[3:] + r"(?:\W+\w+){0,3}\W+" + DANGER_PLACE, 0),
        "other",
    ),
    _r(
        "other.search",
        "concern",
        then(
            THIRD,
            r"(?:\w+\W+){0,4}"
            + SEARCH
            + r"(?:\W+\w+){0,6}\W+(?:"
            + METHOD
            + r"|hænger sig|hang (?:himself|herself)|overdos\w*|dø|die|"
            + REFL_OTHER
            + ")",
            0,
        ),
        "other",
    ),
)

# Idioms and harmless uses, masked before the rules are tried. Each masks only its own span.
EXCLUSIONS: Final[tuple[str, ...]] = (
    r"(?:selvmord\w*|suicid\w*|selvskad\w*|overdos\w*)\W*(?:fore?byg\w*|prevent\w*|awareness|squad|bomb\w*|"
    r"risk assessment\w*|research|statisti\w*|rates?)",
    r"(?:fore?bygge\w*|forebyggelse af|prevent\w*|awareness of|kursus i|course on|course in|research on|bog om|"
    r"book about|book on|article about|artikel om|temadag om|undervis\w* i|teach\w*|thesis on|speciale om) "
    r"(?:\w+ )?(?:selvmord\w*|suicid\w*|selvskad\w*|self ?-?harm\w*|overdos\w*)",
    r"(?:career|political|social|karriere\w*|politisk) (?:selvmord|suicide)|selvmordsløb|selvmords(?:bomb|angreb|"
    r"mission|pilot)\w*",
    r"død ?-?træt\w*|død af træthed|dead tired|dø\w* af (?:grin|latter|kedsomhed|skam|sult|varme|kulde|spænding)|"
    r"di\w* (?:of|from) (?:laughter|laughing|boredom|embarrassment|cringe|shame|curiosity|heat)|die laughing|"
    r"died laughing|to die for|dying to|phone died|battery died|dø(?:r)? hvis|die if|kil me now|kill me now|"
    r"shoot me now|death of me|dræberjob|killer app|killed it|kil it|kill it|killing it|"
    r"(?:is|are|was|er|var) (?:killing|kiling|slår) (?:me|mig)(?: ihjel)?|tager livet af mig(?= lol| haha)?|"
    r"(?:den|det|denne|dette|min|mit|the|this|that)(?: her| der)? \w+ (?:tog|tager|har taget|kommer til at tage|"
    r"er ved at tage|var ved at tage) livet af mig|(?<!jeg )(?:er|var) ved at tage livet af mig",
    r"(?:kill\w*|kil|dræbe\w*|slå|slår|beat\w*|defeat\w*) (?:the |den |that |this )?(?:final |last |sidste )?"
    r"(?:boss\w*|level|banen|bane \d+|mobs?|zombies?|dragon|dragen|monster\w*)|keep dying|bliver ved med at dø|"
    r"bungee\W*(?:jump\w*|spring\w*)|(?:sky|base)\W*dive\w*|faldskærm\w*|parachut\w*",
    r"(?:slog|slår|slået|banker|bankede|dræbte|dræber|killed|kiled|beat|beats|destroyed|slaughtered|slagtet|"
    r"smadrede)(?: \w+){0,3} (?:i|in|at) (?:skak|fifa|fortnite|fodbold|håndbold|kort\w*|\w*spil\w*|chess|cards|"
    r"football|"
    r"the match|the game|games?|\w+ball|tennis|badminton|ludo|matador)",
    r"(?:overdos\w*) (?:af|of|on) (?!\w*piller|\w*medicin|pills|meds|tablets|drugs|paracetamol|panodil|my|mine|min|mit|"
    r"his|her|hans|hendes|insulin|sleeping|sove\w*|heroin|fentanyl|\w*codon|\w*morfin)\w+",
    r"(?:drukne\w*|drowning|kvæles|kvalt|choked|chok\w*) (?:i|in|on|with|during) (?:arbejde|opgaver|lektier|"
    r"papirarbejde|work|homework|emails?|mails?|papers|paperwork|the final|my exam|the exam|exam\w*|stress)|"
    r"i choked|næsten blev kvalt|næsten kvalt",
    r"skyde\w* mig selv i foden|skød mig selv i foden|shot myself in the foot|shoot myself in the foot|"
    r"threw me under the bus|hoppede ud i det|jumped off the deep end|hang(?:ing)? in there|hænger i",
    r"(?:will|would|d|ll|ville|vil|slår|kommer til at|is going to|is gonna|gonna|going to|skal nok) "
    r"(?:kil|kill|murder|slå) (?:me|mig)(?: ihjel)? (?:if|when|hvis|når|for (?!telling|leaving|going|talking|"
    r"calling|reporting|at (?:fortælle|gå|sige|anmelde|ringe|forlade)))"
    r"(?! (?:i|jeg) (?:leave|tell|go|forlader|går|siger|fortæller|anmelder|ringer))|"
    r"(?:slår mig ihjel|kills me|murders me|dræber mig) (?:if|when|hvis|når)"
    r"(?! (?:i|jeg) (?:leave|tell|go|forlader|går|siger|fortæller|anmelder|ringer))",
    r"cut(?:ting)? (?:my|her|his) hair|cutting costs|skar? \w* hår|klippe\w* hår",
    r"(?:hurt|skadede|skadet|brændte|brændt|skar|cut|burn\w*) (?:mig(?: selv)?|myself|my \w+) "
    r"(?:på|til|under|ved|i|while|"
    r"playing|during|at|on|in) (?:fodbold|håndbold|træning|sport|komfuret|ovnen|panden|kniven|arbejdet|football|"
    r"the gym|work|practice|training|the stove|the oven|a knife|kitchen)",
    r"bridge ?(?:club|team|klub)|bro(?:-| )?klub",
    r"(?:slog|slår|slået|sla|slå) op(?: med)?|broke up|break up|breaking up",
    r"(?:afraid|scared|frightened|terrified|bange|angst|frygt\w*|worried|nervous|nervøs) (?:of|for|to|at|over)"
    r"(?: at)? (?:die|dying|dø|death|døden)",
    r"(?:på|pa|po) do(?!\w)|hit (?:me|him|her|us) up|beat me to it",
    r"(?:box|cookie|paper|pizza|laser|plasma|vinyl|tile|glass|bolt|wire|hair|grass|video|film|papir|tapet|karton|"
    r"hobby|dej|kage)[ -]?cutter\w*|(?:som|arbejder som|job som|uddannet|freelance) cutter|"
    r"cutt\w* (?:film|filmen|video\w*|klip|klippet|musik|lyd|en film|en video|podcast\w*|interview\w*)",
    r"hæng\w* (?:mig|dig|sig|os)(?: \w+)? i(?= (?!(?:aften|nat|morgen|dag|weekenden|skoven|kælderen|garagen|et træ|"
    r"træet|loftet|et reb|rebet|badeværelset|bjælken|dag)(?!\w)))",
    r"reb til (?:at )?(?:hænge )?(?:vasketøj|tøj|gynge\w*)|rope for (?:the )?(?:laundry|washing|swing)",
)

PROFESSIONAL: Final = (
    r"(?:leder en|selvhjælpsgruppe\w*|support group|gruppe for|underviser|tegn på|signs of|warning signs|spotte|"
    r"\w*plejerske|\w*rådgiver|\w*pædagog|\w*terapeut|\w+ worker|refer\w*|henvis\w*|police|politi\w*|"
    r"sygeplejerske|socialrådgiver|lærer|psykolog|psykiater|læge(?!\W+(?:mig|sig|dig|os|me))|pædagog|"
    r"koordinator|personale|frivillig|"
    r"kontaktperson|behandler|terapeut|forsker|speciale|bosted|herberg\w*|klient\w*|patient\w*|borger\w*|beboer\w*|"
    r"elev\w*|nurse|social worker|teacher|psychologist|psychiatrist|paramedic|doctor|staff|volunteer\w*|"
    r"crisis line|helpline|hotline|callers|krisetelefon\w*|opringere|gp|"
    r"coordinator|therapist|counsell?or|researcher|thesis|clients?|patients?|residents?|pupils?|students?|"
    r"first responders|support group for|jordemoder\w*|midwi\w*|sundhedsplejerske\w*|\w*officer|"
    r"fængsel\w*|prison|inmates|indsatte|shelter|refuge|pharmacist|farmaceut\w*|apotek\w*|"
    r"krisecenter\w*|jeg arbejder (?:som|på|med)|i work (?:as|"
    r"at|with)|"
    r"jeg er ansat|jeg er uddannet|by profession|fagperson\w*|professional\w*|kursus\w*|course|workshop\w*|"
    r"temadag\w*|temamøde\w*|oplæg\w*|materiale\w*|material\w*|leaflet\w*|pjece\w*|arbejdsplads\w*|workplace|"
    r"hr|kolleger\w*|colleagues|youth workers?|ungdomsarbejder\w*|training|efteruddannelse)"
)
PAST: Final = (
    r"(?:for \w+ (?:år|years) siden|år siden|years ago|\d+ år siden|længe siden|long ago|long time ago|a while ago|"
    r"tidligere|engang|dengang|før i tiden|had a period|en periode|there was a time|der var en tid|periode hvor|"
    r"i min ungdom|som ung|som teenager|som barn|da jeg var|"
    r"when i was|used to|in the past|back in|back then|i (?:19|20)\d\d|in (?:19|20)\d\d|for mange år|"
    r"for many years|as a teen\w*|at (?:age )?1\d|som 1\d(?:-?årig)?|(?:i|jeg) was 1\d|jeg var 1\d|"
    r"in high school|in school|in uni|i gymnasiet|"
    r"in my (?:teens|twenties|thirties|20s|30s)|"
    r"i (?:mine|min) (?:tyvere|teenageår|ungdom)|"
    r"(?:free|fri|clean|stopped|stoppet|holdt op)\W+(?:\w+\W+){0,4}(?:for|i|in) (?:\d+|\w+) "
    r"(?:år|years|months|måneder))"
)
RECOVERED: Final = (
    r"(?:(?:jeg har|har jeg|i have|i feel|im feeling|i am|im) (?:det )?(?:\w+ )?(?:godt|fint|ok|bedre|good|great|fine|"
    r"better|well)(?! (?:if|hvis|without|uden))|har det (?:\w+ )?(?:godt|fint|ok|bedre)(?! (?:hvis|uden))|"
    r"går det (?:godt|bedre)|det går (?:godt|bedre)|"
    r"er (?:jeg )?(?:rask|stabil|clean|glad|tryg|fri|okay|ok|i sikkerhed|ovenpå|kommet videre)|været clean|"
    r"glad for mit liv|nyder (?:jeg )?livet|er overstået|overstået|bag mig|doing great|great now|"
    r"ikke gjort (?:det )?i \d+|havent (?:done it|cut|self ?harmed) (?:in|for)|\d+ (?:år|years) (?:fri|free|"
    r"clean|uden)|"
    r"(?:job|life|family|familie|arbejde) (?:i|jeg) (?:love|elsker)|elsker mit (?:liv|job|arbejde)|"
    r"love my (?:life|job)|"
    r"nu har jeg|now i have|holder (?:jeg )?foredrag|lever (?:jeg )?et godt liv|living a good life|good life|godt liv|"
    r"i dag er jeg|today i am|today im|now i am|now im|nu er jeg|thats over|det er forbi|its over now|"
    r"give talks|fortæller om det|taler om det|"
    r"i sikkerhed|er tryg|er fri|fri for|doing (?:really )?(?:well|good|fine|ok)|im (?:good|fine|well|ok|happy|"
    r"safe|stable)|i am (?:good|fine|well|ok|happy|safe|stable)|(?:very |really |quite )?stable|stabil|"
    r"in a good place|et godt sted|recovered|fået det (?:\w+ )?(?:godt|bedre|fint)|got (?:\w+ )?better|"
    r"(?:and|og) (?:happy|glad|lykkelig)|happily|lykkeligt|recovery|clean for|"
    r"free of|free from|\w+ free|behind me|life is good|love my life|happy now|been safe|got better|"
    r"well now|fine now|good now|peer|frivillig|volunteer|give back|give noget tilbage|hjælpe andre|help others|"
    r"(?:gør|gjort|tænker|har|føler|er) (?:jeg )?(?:det |dem |sådan )?(?:ikke|aldrig) (?:mere|længere)|"
    r"(?:dont|do not|no longer|not) (?:\w+ ){0,3}(?:anymore|any more)|no longer|ikke længere|"
    r"(?:er|are|is) (?:\w+ )?(?:væk|gone) (?:nu|now|i dag|today)|i dag er (?:de|det|tankerne) væk|"
    r"taknemmelig\w*|grateful|thankful|stolt|proud|(?:det|it) (?:kan|can) (?:blive|get) bedre|it gets better|"
    r"(?:helped|hjalp|hjulpet)(?! (?:ikke|not|nothing|intet))|fået hjælp|got help|kommet videre|moved on|"
    r"(?:min|my|mine) (?:egen |own )?(?:erfaring\w*|historie|story|experience\w*)|lived experience|"
    r"ligger bag|lang tid|long time|(?:vil|want to|would like to) (?:gerne )?(?:dele|støtte|share|support|"
    r"fortælle andre|tell others)|applying|ansøg\w*|søger om|stabil\w*|in a (?:\w+ ){0,2}good place|"
    r"(?:ikke|not|havent|hasnt|never) (?:\w+ ){0,3}(?:siden|since)|(?:har|have) erfaring med|have experience with)"
)
RELAPSE: Final = (
    r"(?:igen|again|kommet tilbage|er tilbage|came back|are back|coming back|lately|på det seneste|"
    r"nu er jeg tilbage|now its me|now it is me|(?:de|the) (?:sidste|last|past) (?:few )?(?:uger|dage|måneder|"
    r"weeks|days|months)|værre end (?:dengang|før)|worse than (?:then|before)|ikke (?:længere )?se meningen|"
    r"cant see the point|nu har jeg (?:en plan|et tidspunkt|besluttet)|now i have a plan|"
    r"nu vil jeg(?! gerne (?:hjælpe|dele|støtte|bruge|give|fortælle))|"
    r"now i want(?! to (?:help|share|support|give|volunteer|use|tell))|i nat|i går|i aftes|last night|yesterday|"
    r"tonight|i aften|this week|denne uge|"
    r"i denne uge|right now|lige nu)"
)
NOT_RELAPSE: Final = (
    r"(?:godt igen|well again|good again|better again|happy again|glad igen|rask igen|okay again|ok igen|"
    r"ned igen|op igen|på benene igen|back on my feet|back down|"
    r"leve igen|live again)"
)
LAUGHTER: Final = r"(?:haha\w*|hehe\w*|lol\w*|lmao|lmfao|rofl|xd|😂|🤣|😅|😆)"
SERIOUS_ANY: Final = (
    SERIOUS
    + r"|(?:but|men) (?:like |altså |sådan |ish )?(?:actually|seriously|seriøst|for real|fr|ærligt)"
    + r"|(?:not|ikke|ikk|ik) (?:lol|haha)"
)

# --- compiling --------------------------------------------------------------------------------------------------


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{_fold_pattern(pattern)})(?!\w)")


_RULES: Final = tuple((rule, _compile(rule.pattern)) for rule in RULES)
RULE_IDS: Final = frozenset(rule.rule for rule in RULES)
# A hit of the learned layer alone names its score band ("model.p70": a probability from 0.70 to 0.79), never text.
MODEL_RULE_IDS: Final = frozenset(f"model.p{band}" for band in range(0, 100, 10))
# A family of rules is tried only on a clause holding one of its own words.
FAMILY_ANCHORS: Final[dict[str, str]] = {
    "overdose": PILLS + "|" + CHEMICAL + r"|overdos\w*|od|oded|odet|odd|ode",
    "place": r"vej|way|going|heading|klatrer|climbing|toppen|\w*tårn\w*|tower|"
    + DANGER_PLACE
    + "|"
    + WATER
    + "|"
    + PLATFORM
    + r"|etage|sal|floor|top|øverste|altan\w*|balcony|vindue\w*|window\w*|tag\w*|roof",
    "prep": r"klar|ready|need|elsker|love|care|sorted|ordnet|styr|"
    + LETTER
    + "|"
    + LETTER_ANY
    + "|"
    + WILL
    + "|"
    + PET
    + "|"
    + MEANS
    + "|"
    + DOSE
    + "|"
    + PILLS
    + "|"
    + SEARCH
    + "|"
    + HOARD
    + r"|who gets|hvem der|papirer|affairs|passwords?|adgangskoder|slet\w*|deleted|deleting|ingen|nobody|no one|"
    r"noone|found|fundet|already|allerede|enough|nok",
    "method": r"which|hvilken|hvilket|hvor jeg skal|where to|where i|reb|rebet|rope|noose|løkke\w*|plastic|"
    r"plastikpose\w*|pose|bag|suffocat\w*|kvæle|strangle|choke|"
    + JUMP
    + "|"
    + PILLS
    + r"|hæng\w*|hang\w*|skyd\w*|shoot\w*|gun|pistol\w*|gevær\w*|jagtgevær\w*|rifle|pulsåre\w*|wrists?|"
    r"drukne\w*|drown\w*|udstødning\w*|exhaust|kulilte|carbon|køre|kører|drive|driving|crash\w*|smadre|gå|går|walk|"
    r"walking|bilen|car|motoren|engine|bullet|kugle|svøm\w*|swim\w*|swerv\w*|steer\w*|styre|styrer|dreje|"
    r"drejer|veer\w*|accident|ulykke|uheld|dybt|deep|deeper|dybere",
    "self_harm": r"hænder|hånd\w*|hands?|næve\w*|"
    + HARM_VERB
    + r"|selvskad\w*|self|sh|shd|shed|cutter|cuttet|hovedet|head|knuckles|fists|walls?|ondt|straffe\w*|"
    r"punish\w*|brækk\w*|knæk\w*|broke|trykke\w*|trykkede|presse\w*|presset|pressing|pressed|glødende|hot",
    "harm_others": r"hurt\w*|harm\w*|thinking|tanker|thoughts|bange|afraid|scared|"
    + KILL
    + "|"
    + WEAPON
    + r"|ihjel|baby\w*|barn\w*|child|kid",
    "violence": VIOLENT
    + "|"
    + FOLLOW
    + "|"
    + HIDING
    + r"|truer|truede|threaten\w*|safe|sikkerhed|fare|danger|tryg|tør|scared|afraid|"
    r"halsen|hals|throat|neck|kvalt|kvalte|strangled|choked|voldtaget|raped|overfaldet|assaulted|tævet|banket|"
    r"gennembanket|mishandlet|beaten|attacked|molested|misbrugt|abused|held|holdt|spærret|locked|locks|låser|låst|lukker|"
    r"kill|kil|"
    r"murder|slå|slår|dræbe|door|dør|døren|outside|udenfor|uden for|rører|rørte|touches|touched|forces|forced|"
    r"tvinger|tvang",
    "plan": r"bestemt|besluttet|decided|decision|mind|beslutningen|væk|sent|late|is when|er når|bliver når|"
    r"det bliver|ingen|nobody|no one|noone|found|fundet|"
    + TIME
    + "|"
    + DECIDED
    + r"|sidste|last|take|swallow|tage|sluge|how and when|when and how|hopper|springer|hoppe|springe|"
    r"dato\w*|date|day|night|dagen|natten|this is it|i go|går jeg|sker det|it happens|"
    r"hvordan og hvornår|hvornår og hvordan",
    "other": THIRD + "|" + REFL_OTHER,
    # No rule of its own: words of pain, punishment, living and means that no rule family is anchored on, so that
    # the learned layer may read such a message ("hvorfor lever jeg overhovedet", "jeg har drukket klor").
    "topic": r"ondt|smerte\w*|pain|straf\w*|punish\w*|med vilje|on purpose|fortjener|deserve\w*|lever|leve|live|"
    r"living|liv|livet|life|alive|i live|exist\w*|eksist\w*|klor\w*|chlorine|barber\w*|razor\w*|kniv\w*|knife|"
    r"knive|🔪|💊|🪢|gloede\w*|glødende|lighter|brækket|broke|knækket|mening\w*|meaning|point|grund|reason|"
    r"orker|cant go on|kan ikke mere|give up|opgive\w*|giver op|forsvinde|disappear|væk|gone|slut|"
    r"farvel|goodbye|bye|sidste|last|tak for alt|thanks for everything",
}
# One gate for the rules added for the fresh batches: their own words are rare, so one shared scan is cheaper
# than a scan each.
_RARE_WORDS: Final = (
    r"holder|holde|hold\w*|presser|presse|press\w*|trykker|trykke|kradser|ridser|gnider|rub\w*|pinch\w*|knib\w*|"
    r"dig\w*|graver|farvel|goodbye|say|check\w*|barberblad\w*|razor\w*|blades|skalpel\w*|scalpel\w*|legs|feet|"
    r"ben|benene|fødder|fødderne|side|kanten|dingler|dangl\w*|railing|rækværket|gelænderet|skyld|fault|"
    r"\w*gevær\w*|pistol\w*|revolver\w*|gun|rifle|shotgun|without|uden|gud|god|døden|death|universet|universe|"
    r"søvne|sleep|brand|fire|nåle\w*|needles?|pins?|knappenål\w*|sikkerhedsnål\w*|passer\w*|compass"
)
# Single rules whose own words are rarer than their family's: a cheaper gate than the rule itself.
RULE_ANCHORS: Final[dict[str, str]] = {
    "ideation.wish_die": DIE,
    "violence.held": r"held|holdt|holder|let|lade|lukker|låser|locks|locked",
    # "tog hele glasset" names no pill: the container is the rule's own word.
    "overdose.container": r"pakke\w*|pakning\w*|æske\w*|glas\w*|bøtte\w*|pack\w*|box|bottle|blister\w*|strip|sheet",
    "plan.time_death": DIE,
    "prep.have_means": r"already have|have the|got the|har allerede|har de|har dem|har nok|have enough|i have",
    "plan.time_not_live": LIVE_NOT,
    "passive.wouldnt_mind": DIE + r"|wake up|vågne\w*|døde|died",
    "plan.decided_death": DECIDED,
    "plan.time_do_it": DO_IT,
    "prep.gave_away": GAVE,
    "prep.bought_means": BOUGHT,
    "prep.will": WILL,
    "prep.deleted": r"slettet|slettede|sletter|deleted|deleting",
    "self_harm.until": _RARE_WORDS,
    "plan.time_farewell": _RARE_WORDS,
    "plan.check_out": _RARE_WORDS,
    "prep.hoard_means": _RARE_WORDS,
    "place.over_edge": _RARE_WORDS,
    "farewell.not_your_fault": _RARE_WORDS,
    "method.gun_on_me": _RARE_WORDS,
    "other.better_off": _RARE_WORDS,
    "passive.taken_away": _RARE_WORDS,
    "self_harm.fire_needles": _RARE_WORDS,
    "plan.how_and_when": r"how and when|when and how|hvordan og hvornår|hvornår og hvordan",
    "plan.take_them_all": r"take|swallow|tage|sluge",
    "plan.last_day": r"sidste|last",
    "prep.hoard_pills": HOARD,
    "prep.search_dose": SEARCH,
    "prep.search_death": SEARCH,
    "prep.search_place": SEARCH,
    "violence.hiding": HIDING,
    "violence.against_me": VIOLENT,
    "violence.will_kill_me": r"kill|kil|murder|slå|slår|dræbe",
    "passive.wish_accident": ACCIDENT,
    "burden.if_gone": r"ikke var her|wasnt here|was gone|were gone|var væk|disappeared|forsvandt|if i died|"
    r"hvis jeg døde",
    "burden.without_me": r"without me|uden mig|if i|hvis jeg",
    "other.suicide": THIRD,
    "other.pills": THIRD,
    "other.goodbye": THIRD,
    "other.place": THIRD,
    "other.search": THIRD,
}
# Gates are keyed by their pattern, so rules that share one (several need DIE) check it once per clause.
_GATES_BY_NAME: Final = {anchor: _compile(anchor) for anchor in (*FAMILY_ANCHORS.values(), *RULE_ANCHORS.values())}
_GATED_RULES: Final = tuple(
    (
        rule,
        regex,
        RULE_ANCHORS.get(rule.rule, FAMILY_ANCHORS.get(rule.rule.split(".")[0])),
    )
    for rule, regex in _RULES
)
# One bit per gate, then one per rule, for the word prefilter.
_GATE_BITS: Final = {name: bit for bit, name in enumerate(_GATES_BY_NAME)}
_FILTERED_RULES: Final = tuple(
    (rule, regex, gate, len(_GATE_BITS) + index) for index, (rule, regex, gate) in enumerate(_GATED_RULES)
)
_PREFILTER: Final = Prefilter([*_GATES_BY_NAME.values(), *(regex for _, regex, _ in _GATED_RULES)])
_EXCLUSION: Final = _compile("|".join(f"(?:{pattern})" for pattern in EXCLUSIONS))
_PROFESSIONAL: Final = _compile(PROFESSIONAL)
_PAST: Final = _compile(PAST)
_RECOVERED: Final = _compile(RECOVERED)
_RELAPSE: Final = _compile(RELAPSE)
_NOT_RELAPSE: Final = _compile(NOT_RELAPSE)
_LAUGHTER: Final = re.compile(rf"(?:{_fold_pattern(LAUGHTER)})")
# Laughter or a playful face without a "not a joke": the model alone then needs its higher threshold.
_LIGHT: Final = re.compile(rf"(?:{_fold_pattern(LAUGHTER)}|😊|😄|😁|😉|😜|🤪|🙄|😬|🫠|🥹|🥳|🎉)")
_JOKE: Final = _compile(r"(?:jk|just kidding|only joking|jeg laver sjov|bare for sjov|for sjov skyld|kidding)")
_SERIOUS: Final = _compile(SERIOUS_ANY)
_FIRST_PERSON: Final = _compile(r"(?:jeg|mig|mit liv|i|im|ive|me|myself|my life)")
_THIRD: Final = _compile(THIRD + "|" + REFL_OTHER)
# A bot command ("/krise") is a request, not a message the model should read.
_COMMAND: Final = re.compile(r"^\s*/\w+(?:@\w+)?")
# Cheap cues, from the rules' own concepts, that a message the model alone flagged is acute: a time (now, tonight,
# a day), a dangerous place or water, a weapon, pills or a weapon bought, a count of pills.
# A time word ("i morgen", "now") makes a hit acute, but is too common to lower the model's threshold alone.
_TIME_CUE: Final = rf"lige nu|nu|right now|now|{TIME}"
_STRONG_CUE: Final = (
    rf"{DANGER_PLACE}|{WATER}|{WEAPON}|{near(BOUGHT, PILLS + '|' + WEAPON)}|"
    rf"(?:\d+|{MANY})\W+(?:\w+\W+)?{PILLS}|{CHEMICAL}|{LETTER}|{WILL}|{DECIDED}|{near(SWALLOWED, PILLS)}|"
    r"\w*gevær\w*|shotgun|farvel\w*|goodbye|bye forever|sidste (?:besked|aften|gang|dag|post)|last (?:message|post|"
    r"night|day|time)|seddel|sedlen|a note|left a note|givet \w+ væk|giving away|gave away|(?:købt|bought) (?:det|"
    r"what|the)|(?:svarer|answering|picking up)\W+(?:\w+\W+)?(?:ikke|not)|(?:ikke|not)\W+(?:svarer|answering|"
    r"picking up)|telefon\w* (?:er )?slukket|phone is off|motoren kørende|engine running|(?:tør|dare) ikke|dont dare|"
    r"perron\w*|platform|have a plan|har en plan|denne gang|this time"
)
_ACUTE_CUE: Final = _compile(f"(?:{_TIME_CUE}|{_STRONG_CUE})")
_STRONG_ACUTE_CUE: Final = _compile(f"(?:{_STRONG_CUE})")
# A message the model alone is this sure of is answered as acute, 112 first: on dev, 96 % of the crisis rows
# labelled acute that it alone found were then answered so (90 % by the cues alone), at the price of more concern
# rows answered as acute, the safer mistake.
_MODEL_SURE: Final = 0.9
_BARRIER: Final = " # "
# Clauses end at sentence punctuation, a barrier, a new line, or a "but" that turns the message.
_CLAUSE_END: Final = re.compile(r"(?:(?<!\d)[.!?;]+|[\n#]|\s(?=(?:men|but|,\s*men|,\s*but)\s))")
# Words that name it so plainly that a joke marker does not silence them.
_PLAIN_WORDS: Final = frozenset({"ideation.suicide_word", "ideation.kill_self", "overdose.word", "self_harm.word"})
# Rules a professional asking about their work may set off by naming the topic.
_TOPIC_RULES: Final = frozenset(
    {
        "ideation.suicide_word",
        "self_harm.word",
        "overdose.word",
        "ideation.wish_die",
        "ideation.wish_die_da",
        "other.suicide",
        "other.self_harm",
        "ideation.kill_self",
        "place.high_or_tracks",
        "violence.against_me",
        "violence.assaulted",
        "prep.lethal_dose",
        "prep.search_dose",
        "other.place",
        "harm_others.baby",
        "ideation.not_live",
        "method.named",
        "passive.disappear",
    }
)


@dataclass(frozen=True)
class _Hit:
    rule: Rule
    clause: str


# A clause longer than this many words is read in overlapping windows: no rule spans more than the overlap, and a
# window without any rule's word is skipped, so a 5,000-character message without full stops stays fast.
_WINDOW: Final = 64
_OVERLAP: Final = 18


def _clauses(prepared: str) -> list[str]:
    clauses: list[str] = []
    for clause in _CLAUSE_END.split(prepared):
        words = clause.split()
        if len(words) <= _WINDOW:
            if words:
                clauses.append(" ".join(words))
            continue
        for start in range(0, len(words) - _OVERLAP, _WINDOW - _OVERLAP):
            clauses.append(" ".join(words[start : start + _WINDOW]))
    return clauses


def _hits(prepared: str, gated: bool = True) -> tuple[list[_Hit], bool]:
    """Every rule on every clause, and whether any clause holds a word some rule's gate is anchored on (the
    learned layer may fire alone only then). `gated=False` skips the speed gates and the word prefilter (a test
    checks they change nothing)."""
    found: list[_Hit] = []
    topical = False
    clauses = list(dict.fromkeys(_clauses(prepared)))  # a clause repeated word for word is read once
    # Gates and rules that cannot match a clause's words are not searched, and a gate that is a plain word list
    # is not searched either when one of its words is there (bot/word_prefilter.py).
    checks = [_PREFILTER.candidates(clause) if gated else (-1, 0) for clause in clauses]
    for clause, (can, sure) in zip(clauses, checks, strict=True):
        opened: dict[str, bool] = {}  # gate name -> whether the clause holds one of its words, checked once
        for rule, regex, gate, rule_bit in _FILTERED_RULES:
            if not can >> rule_bit & 1:
                continue
            if gate is not None and (gated or not topical):
                if gate not in opened:
                    bit = _GATE_BITS[gate]
                    opened[gate] = bool(sure >> bit & 1) or (
                        bool(can >> bit & 1) and bool(_GATES_BY_NAME[gate].search(clause))
                    )
                if gated and not opened[gate]:
                    continue
            if regex.search(clause):
                found.append(_Hit(rule, clause))
        topical = topical or any(opened.values())
    if not topical:  # only the gates no rule asked about are left to look at
        topical = any(
            sure >> bit & 1 or (can >> bit & 1 and _GATES_BY_NAME[gate].search(clause))
            for clause, (can, sure) in zip(clauses, checks, strict=True)
            for gate, bit in _GATE_BITS.items()
        )
    return found, topical


def _is_past(clause: str) -> bool:
    return bool(_PAST.search(clause)) and not (_RELAPSE.search(_NOT_RELAPSE.sub(" ", clause)))


def detect_crisis(text: str, *, gated: bool = True) -> CrisisSignal | None:
    """Return what the text signals, or None. Pure and fast: it runs on every message before anything else.

    The rules first; when they find nothing, the learned layer (bot/crisis_model.py) may still fire."""
    return combine(text, None, gated=gated)


@dataclass(frozen=True)
class RulesReading:
    """What the rules make of a text, and so what the learned layer is told about it."""

    hits: tuple[_Hit, ...]  # the rules' hits that stand
    plain: str  # the text as the rules read it (bot/crisis_text.py's prepare), which the model reads too
    prepared: str  # the same with idioms masked
    topical: bool  # holds a word some rule is anchored on
    calm: bool  # judged past and recovered, or light-hearted: the model alone needs a higher threshold
    soft: bool  # every hit stands in a clearly past clause, or the message is a professional's or light-hearted
    strong_cue: bool  # a cue of acuteness (a dangerous place, a weapon, pills counted; a time word is not one)


def read_rules(text: str, *, gated: bool = True) -> RulesReading:
    """The rules' reading of a text, shared by `combine` and the training script (scripts/train_crisis_model.py)."""
    plain = prepare(text)
    hits, prepared, recovered, topical = _judge(plain, gated)
    light = _is_light(prepared)
    soft = bool(hits) and (
        light or bool(_PROFESSIONAL.search(prepared)) or all(_PAST.search(hit.clause) for hit in hits)
    )
    return RulesReading(
        hits=tuple(hits),
        plain=plain,
        prepared=prepared,
        topical=topical,
        calm=recovered or light,
        soft=soft,
        strong_cue=bool(prepared) and bool(_STRONG_ACUTE_CUE.search(prepared)),
    )


def combine(text: str, probability: float | None, *, gated: bool = True) -> CrisisSignal | None:
    """The rules and the model's probability for the text (computed here when None; NaN for a text too short for the
    model to read), judged together.

    A rule's hit stands unless the model is nearly sure the message is no crisis (below its veto threshold, which is
    higher where the hits stand only in the past, or the message is a professional's or light-hearted). Without a
    hit, the model alone fires at its threshold: higher in a calm message, lower beside a cue of acuteness, its own
    without any word a rule is anchored on (and then only on longer texts), and never on a short text. All are
    chosen on other authors' messages, each scored by a model that never saw its writer
    (scripts/train_crisis_model.py)."""
    reading = read_rules(text, gated=gated)
    model = load_model()
    readable_text = _COMMAND.sub("", text, count=1)
    words = model.words(readable_text)

    def model_probability() -> float | None:
        if probability is not None:
            return None if math.isnan(probability) else probability
        rules_text = reading.plain if readable_text is text else prepare(readable_text)
        return model.readable_probability(readable_text, rules_text=rules_text)

    if reading.hits:
        if words <= model.veto_max_words:  # in a longer message the model may not overrule a hit
            seen = model_probability()
            if seen is not None and model.vetoes(seen, soft=reading.soft, words=words):
                return None
        return _signal(list(reading.hits), reading.prepared)
    threshold = model.threshold_for(acute=reading.strong_cue, calm=reading.calm, topical=reading.topical, words=words)
    if threshold > 1:  # too short, or off topic where the model may not fire alone: not worth scoring
        return None
    seen = model_probability()
    if seen is None or seen < threshold:
        return None
    prepared = reading.prepared
    cued = reading.strong_cue or bool(_ACUTE_CUE.search(prepared))
    severity: Severity = "acute" if cued or seen >= _MODEL_SURE else "concern"
    about: About = "other" if _third_subject(prepared) and not _compile_me_search(prepared) else "self"
    band = min(9, int(seen * 10)) * 10
    return CrisisSignal(severity=severity, about=about, rules=(f"model.p{band}",))


def detect_by_rules(text: str) -> CrisisSignal | None:
    """The rules alone, without the learned layer (for bench/crisis.py's comparison)."""
    hits, prepared, _, _ = _judge(prepare(text), True)
    return _signal(hits, prepared) if hits else None


def _is_light(prepared: str) -> bool:
    """Laughter or a playful face, and no "not a joke" or "not lol" anywhere."""
    return bool(_LIGHT.search(prepared)) and not _SERIOUS.search(prepared)


def _signal(hits: list[_Hit], prepared: str) -> CrisisSignal:
    """An acute rule makes the signal acute, and so does a concern beside a cue of acuteness (a time, a place, a
    weapon, a farewell, pills counted): "min mor siger hun vil tage sit liv i nat" needs 112 first."""
    acute = any(hit.rule.severity == "acute" for hit in hits) or bool(_ACUTE_CUE.search(prepared))
    severity: Severity = "acute" if acute else "concern"
    about = _about_all(hits)
    rules = tuple(dict.fromkeys(hit.rule.rule for hit in hits))
    return CrisisSignal(severity=severity, about=about, rules=rules)


def _judge(plain: str, gated: bool) -> tuple[list[_Hit], str, bool, bool]:
    """The rules' hits that stand in the prepared text, the text with idioms masked, whether the message says it is
    past and recovered, and whether it holds a word any rule is anchored on."""
    prepared = plain
    if not prepared:
        return [], "", False, False
    prepared = _EXCLUSION.sub(_BARRIER, prepared)
    recovered = bool(_RECOVERED.search(prepared)) and not _RELAPSE.search(_NOT_RELAPSE.sub(" ", prepared))
    hits, topical = _hits(prepared, gated)
    if not hits:
        return [], prepared, recovered, topical
    # A clearly past disclosure in a message that says the person is well now: no alarm. A present clause fires.
    if recovered:
        hits = [hit for hit in hits if not _is_past(hit.clause)]
        if all(hit.rule.severity == "concern" for hit in hits):
            hits = [hit for hit in hits if not _past_tense_only(hit.clause)]
    # A professional naming the topic of their work is not in crisis; a first-person signal still fires.
    if hits and _PROFESSIONAL.search(prepared):
        hits = [
            hit
            for hit in hits
            if hit.rule.rule not in _TOPIC_RULES
            or (_first_person_now(hit.clause) and not _HYPOTHETICAL.search(hit.clause))
        ]
    # A joke without a "not a joke" anywhere: in the joking clause, only the plainest words still fire.
    if hits and not _SERIOUS.search(prepared):
        hits = [hit for hit in hits if hit.rule.rule in _PLAIN_WORDS or not _LAUGHTER.search(hit.clause)]
        # "jk" / "jeg laver sjov": a joke said outright silences the concern-level words too.
        if _JOKE.search(prepared):
            hits = [hit for hit in hits if hit.rule.severity == "acute"]
    # "I'll do it tonight" is a plan only next to something that says what "it" is.
    if not any(hit.rule.rule not in _WEAK_RULES for hit in hits):
        hits = [
            hit
            for hit in hits
            if _WEAK_RULES[hit.rule.rule].search(
                prepared if hit.rule.rule in _WEAK_OWN_CLAUSE_COUNTS else _without(hit.clause, prepared)
            )
        ]
    # Taking all one's pills every morning is the prescription, not an overdose.
    hits = [hit for hit in hits if not (hit.rule.rule.startswith("overdose.") and _ROUTINE.search(hit.clause))]
    # Standing on a roof to fix the gutter is not standing on the edge.
    hits = [hit for hit in hits if not (hit.rule.rule in _PLACE_RULES and _ACTIVITY.search(hit.clause))]
    # Pills taken by accident, or a pet given away for an allergy, are told, not signalled.
    hits = [hit for hit in hits if not (hit.rule.rule in _REASON_RULES and _HARMLESS_REASON.search(hit.clause))]
    # A goodbye before moving abroad or retiring is a goodbye, not a farewell.
    hits = [hit for hit in hits if not (hit.rule.rule in _GOODBYE_RULES and _LEAVING.search(hit.clause))]
    return hits, prepared, recovered, topical


def _without(clause: str, prepared: str) -> str:
    """The message with the weak rule's own clause blanked out of it, so that a rule is not its own companion."""
    return prepared.replace(clause, " # ", 1) + " # " + clause


_COMPANION: Final = (
    DECIDED + r"|done|færdig|kan ikke mere|orker ikke|orker ik|no point|ingen mening|cant take|cant do this|"
    r"ingen grund|no reason|sidste gang|last time|ingen vil savne|nobody will miss|alone|alene|ingen ved det|"
    r"nobody knows|no one knows|ikke sagt det til nogen|havent told anyone|told no one|im ready|jeg er klar|"
    r"(?:while|when|mens|når) (?:my|mine|min|mit|everyone|alle|they|de)\W+(?:\w+\W+){0,2}(?:are|is|er)\W+"
    r"(?:at|out|away|på|ude|væk|asleep|sover|i skole|at school|at work|på arbejde|i kirke)|"
    r"når alle (?:er )?sove\w*|when everyone(?:s| is) asleep|nobody will be home|ingen er hjemme|"
    r"nobody (?:will|would) (?:know|notice|find)|ingen (?:vil|ville) (?:opdage|vide|finde)|"
    r"tænkt over det|thought about it|længe nok|long enough|enough|nok nu|forklarer hvorfor|explain\w* why|"
    r"undskyld|sorry|ikke (?:er )?(?:jeres|din|deres) skyld|(?:not|isnt) (?:your|their) fault|in case|"
    r"hvis der sker|when im gone|"
    r"for altid|forever|vidste ikke|didnt know|slettede|deleted|sidste|"
    r"dont try to stop me|prøv ikke at stoppe mig|ingen kan stoppe mig|nobody can stop me|ingen vej tilbage|"
    r"ikke nogen vej tilbage|no way back|no going back|passe på (?:mor|far|min|mine|hinanden)|"
    r"take care of (?:mum|mom|dad|my|each other)|(?:in|i|on|på) (?:my|their|his|her|min|mit|deres|hans|hendes) "
    r"(?:room|rooms|desk|table|værelse\w*|skrivebord|skuffe|bord|seng|bed)|"
    r"når jeg er væk|skuffen|my desk|the desk|på bordet|the table|my room|mit værelse|find (?:it|them)|"
    r"finde (?:det|dem)"
)
# Rules that fire only beside a companion somewhere else in the message (the clause itself does not count for
# the words it fired on: "goodbye" is not its own companion).
_WEAK_OWN_CLAUSE_COUNTS: Final = frozenset(
    {"plan.time_do_it", "plan.the_day", "prep.letters_family", "plan.time_farewell"}
)
# plan.decided_alone needs its companion outside its own clause: "jeg har bestemt mig. det bliver i aften".
_WEAK_RULES: Final = {
    "plan.time_do_it": _compile(_COMPANION + r"|farvel|goodbye"),
    "plan.the_day": _compile(_COMPANION + r"|farvel|goodbye"),
    "plan.decided_alone": _compile(
        TIME + r"|farvel|goodbye|bye|peace|fred|klar|ready|" + DIE + "|" + DO_IT + "|det bliver|it will be"
    ),
    "prep.letters_family": _compile(_COMPANION + r"|farvel|goodbye"),
    "plan.time_farewell": _compile(_COMPANION),
    "plan.check_out": _compile(_COMPANION),
    "farewell.not_your_fault": _compile(
        r"farvel|goodbye|tak for alt|thank you for everything|thanks for everything|elsker jer|love you all|" + DIE
    ),
    "farewell.said_goodbye": _compile(
        r"for altid|forever|vidste ikke|didnt know|did not know|slettede|deleted|sidste|last|ingen|nobody|sorry|"
        r"undskyld|tak for alt|thank you for everything|thanks for everything|elsker jer|love you all|"
        + DIE
        + "|"
        + DECIDED
    ),
}
_REASON_RULES: Final = frozenset(
    {
        "overdose.many_pills",
        "overdose.pills_many",
        "overdose.container",
        "other.pills",
        "prep.gave_away",
        "prep.bought_means",
        "prep.hoard_means",
    }
)
_HARMLESS_REASON: Final = _compile(
    r"(?:by accident|ved et uheld|accidentally|skraber\w*|barberskraber\w*|shaver|shaving|barbere|to shave|"
    r"(?<!not for )(?<!ikke til )(?:ballon\w*|balloon\w*)|hobbykniv\w*|tapetkniv\w*|by mistake|ved en fejl|"
    r"allergi\w*|allergic|"
    r"fordi vi flytter|vi har fået|"
    r"we (?:got|bought|have)|"
    r"fordi (?:jeg|vi) (?:skal )?flytte\w*|because (?:i|we)(?:m|re| am| are)? (?:moving|move)|"
    r"because (?:we|i)(?:re| are|m| am) moving|moving house|ikke plads|no (?:space|room))"
)
_GOODBYE_RULES: Final = frozenset(
    {
        "farewell.said_goodbye",
        "farewell.say_goodbye",
        "farewell.not_your_fault",
        "other.goodbye",
        "plan.time_farewell",
        "plan.check_out",
    }
)
_LEAVING: Final = _compile(
    r"(?:moving|moved|move|flytte\w*|flyttede|rejse\w*|rejser|travel\w*|trip|ferie\w*|holiday|vacation|pension\w*|"
    r"retir\w*|new job|nyt job|udveksling\w*|exchange|går på pension|leaving for|tager til|abroad|udlandet)"
)
_ROUTINE: Final = _compile(
    r"(?:hver (?:morgen|aften|dag)|every (?:morning|evening|night|day)|each (?:morning|day)|om morgenen|om aftenen|"
    r"in the morning|daily|dagligt|som (?:lægen|foreskrevet|ordineret)|as prescribed|til tiden|on time|husk\w*|"
    r"remember\w*|glem\w*|forget\w*|forgot)"
)
_PLACE_RULES: Final = frozenset(
    {
        "place.high_or_tracks",
        "place.water",
        "place.platform",
        "place.by_water",
        "place.high_floor",
        "other.place",
        "prep.bought_means",
        "prep.means_at_hand",
        "method.rope",
        "place.going_up",
    }
)
_ACTIVITY: Final = _compile(
    r"(?:fix\w*|repair\w*|ordne\w*|ordner|reparer\w*|rense\w*|renser|clean\w*|maler|male|paint\w*|arbejde\w*|"
    r"working|at work|fisk\w*|fishing|venter på (?:bussen|toget til|min|en)|waiting for (?:the bus|the train to|my|a)|"
    r"club|klub|tur|walk\w*|hike|hiking|picnic|udsigt\w*|view|party|fest|grill\w*|sol\w*|sun\w*|bade|swim\w*|"
    r"svøm\w*|kaffe|coffee|ice cream|cykl\w*|cycl\w*|løb\w*|jog\w*|run|running|hund\w*|dog|tog til|train to|"
    r"bus to|bussen til|på vej|on my way|game|kamp|koncert|concert|antenne\w*|gutter|tagrende\w*|sne|snow|"
    r"fyrværkeri\w*|firework\w*|beer|øl|drink\w*|terrace|terrasse|vi|we|were|us|os|ship|skib\w*|shift|vagt\w*|"
    r"ferry|færge\w*|boat|båd\w*|klatring|climbing|camping|telt|tent|gynge\w*|swing|vasketøj|laundry|jagt\w*|hunting|"
    r"skydebane|shooting range|spiser|spise|eating|eat|en is|ice|project|projekt\w*|meet\w*|møde\w*|mødes)"
    r"(?!.*(?:sidste gang|last time|hoppe|jump|springe))"
)
_PAST_TENSE: Final = _compile(
    r"(?:havde|var|prøvede|forsøgte|skar|tog|levede|har været|har haft|har levet|had|was|were|tried|attempted|"
    r"brændte|skadede|ville|tænkte|kæmpede|struggled|wanted|didnt|used to|burned|hurt myself|skrev|wrote|"
    r"stod|stood|husker|remember|"
    r"survived|overlevede|went through|been through|har erfaring|have experience|lived with)"
)
_NOW_SELF: Final = _compile(
    r"(?:jeg vil|vil jeg|jeg har lyst|har jeg lyst|jeg skal|skal jeg|jeg er ved|er jeg ved|i want|i wanna|im going|"
    r"i am going|i will|ill|jeg skærer|skærer jeg|tager jeg|jeg orker|orker jeg|"
    r"i cut|im cutting|jeg tager|i take|i need|min plan|my plan)"
)


def _past_tense_only(clause: str) -> bool:
    """A concern told in the past tense ("jeg havde selvmordstanker"), in a message that says all is well now."""
    return bool(_PAST_TENSE.search(clause)) and not _NOW_SELF.search(clause)


# A professional's "what do I say if a pupil tells me she cuts herself": first person, but about someone else.
_HYPOTHETICAL: Final = _compile(
    r"(?:hvis|if|når|when) (?:en|et|man|nogen|de|han|hun|min|mine|vores|a|an|someone|somebody|one|they|he|she|my|"
    r"our)|hvad (?:skal|gør|kan|siger) (?:jeg|vi|man)|what (?:should|do|can|would) (?:i|we|you) (?:say|do|tell)"
)


def _first_person_now(clause: str) -> bool:
    return bool(_NOW_SELF.search(clause))


_MY_OWN: Final = _compile(
    r"(?:mig selv|myself|mit liv|my life|jeg vil|vil jeg|jeg har lyst|i want|i wanna|im going to|im gonna|"
    r"i am going to|jeg skal|i will)"
)


def _about_all(hits: list[_Hit]) -> About:
    """A third-party report when a rule written for a third person fired and every other hit is in a clause about
    that person ("my girlfriend texted me goodbye and she's on the bridge"), or when every hit is about them."""
    if not any(hit.rule.about == "other" for hit in hits):
        return "other" if all(_about(hit) == "other" for hit in hits) else "self"
    for hit in hits:
        if hit.rule.about == "other" or hit.rule.rule.startswith("farewell."):
            continue
        if hit.rule.rule.startswith("harm_others.") or _MY_OWN.search(hit.clause) or not _third_subject(hit.clause):
            return "self"
    return "other"


def _about(hit: _Hit) -> About:
    """A rule written for a third person, or a self rule in a clause about a third person and not about me."""
    if hit.rule.about == "other":
        return "other"
    if hit.rule.rule.startswith(("violence.", "harm_others.")):
        return hit.rule.about
    if _third_subject(hit.clause) and not _compile_me_search(hit.clause):
        return "other"
    return "self"


_TO_WHOM: Final = re.compile(r"(?:til|to|for|with|med|af|from|fra|om|about)\W*$")


def _third_subject(clause: str) -> bool:
    """A third person the clause is about, not one it is addressed to ("a letter to my mum")."""
    return any(not _TO_WHOM.search(clause[: match.start()]) for match in _THIRD.finditer(clause))


_ME_IN_CLAUSE: Final = _compile(
    r"(?:jeg|mig|mit liv|myself|my life|im|me|i (?:want|wanna|wish|will|am|have|cant|dont|feel|think|took|need|"
    r"just|keep|hope))"
)


def _compile_me_search(clause: str) -> bool:
    return bool(_ME_IN_CLAUSE.search(clause))
