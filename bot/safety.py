"""Crisis detection: spot signs of suicide, self-harm or acute danger in a free-text message.

Every text a person sends passes through `detect_crisis` before anything else, so that a hit can be answered at
once with crisis numbers. The detector errs on the side of answering: a needless crisis message is a small cost,
a missed one is not. It is deliberately simple and inspectable, a table of regular expressions over a normalised
text, so a coordinator can read why it fired (the rule id) without the text ever entering a log.

How a text is checked:

1. `normalise`: Unicode NFKC, casefold, æ→ae, ø→oe, å→aa (also ä, ö), other accents dropped, apostrophes and
   dashes unified, invisible format characters removed, whitespace collapsed.
2. Typo tolerance: a word close to one of a few key words (``selvmord``, ``suicide``, ``overdosis`` ...) is
   replaced by that key word: doubled letters are squeezed and one edit (two for long words) is allowed.
3. Exclusions (rows of kind ``exclude``) mask only the span they match with a barrier, so that
   "kursus i selvmordsforebyggelse, men nu vil jeg selv dø" still fires on "vil jeg selv dø".
4. The first positive row that matches wins; its category and rule id are returned.

Patterns are written in readable Danish: in a pattern, æ, ø and å stand for every way people type them
(æ: ae/a/e, ø: oe/o, å: aa/a), ``<gapN>`` is up to N words and ``<ngapN>`` up to N words none of which is a
negation. A gap never crosses punctuation, so two sentences do not merge into one phrase.

Decisions worth knowing:

- Grief after suicide ("jeg har mistet en ven til selvmord", "min bror tog sit eget liv") fires as ``suicide``:
  the bereaved are themselves at higher risk, and the crisis message is a kind answer to such a disclosure.
- Any other mention of selvmord/suicide fires, including a denial ("jeg har ikke selvmordstanker"); only
  professional or idiomatic uses (prevention, courses, "career suicide", "Suicide Squad") are excluded.
- Hyperbole with a person as subject ("my mum is going to kill me") fires as acute danger; the detector cannot
  tell a joke from a threat, and the cautious reading wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, cast

Category = Literal["suicide", "self_harm", "acute_danger", "harm_others"]
Kind = Literal["exclude", "suicide", "self_harm", "acute_danger", "harm_others"]


@dataclass(frozen=True)
class CrisisSignal:
    """What was found: the category decides which crisis message is sent; `rule` is a table id, safe to log."""

    category: Category
    rule: str


@dataclass(frozen=True)
class Phrase:
    """One row of the phrase table: `kind` is a category, or "exclude" for a hard negative."""

    rule: str
    kind: Kind
    pattern: str


# --- building blocks for the patterns -------------------------------------------------------------------------

_NEGATION: Final = (
    r"(?:ikke|ik|aldrig|not|never|don't|dont|doesn't|doesnt|won't|wont|wouldn't|wouldnt|can't|cant|cannot|no)"
)
_WORD: Final = r"[\w']+"

# People who may be the subject of violence against the writer, or its object for harm to others.
_PEOPLE_DA: Final = (
    r"(?:mand|kone|kæreste|eks|ex|far|mor|stedfar|stedmor|papfar|papmor|bror|søster|storebror|chef|nabo|lærer|"
    r"søn|datter|partner|familie|forældre|kollega|ven|venner|veninde|onkel|fætter|bedstefar|morfar|farfar|fyr|"
    r"dreng|pige|kusine)(?:en|n|et|ne|e|er|erne)?"
)
_PEOPLE_EN: Final = (
    r"(?:husband|boyfriend|bf|wife|girlfriend|gf|partner|ex|dad|father|mom|mum|mother|stepdad|stepfather|"
    r"stepmom|stepmother|brother|sister|uncle|aunt|son|daughter|neighbou?r|landlord|boss|family|parents|"
    r"flatmate|roommate|cousin|grandfather|grandpa|teacher|colleague|coworker|friend|guy|man|woman)"
)
_SUBJECT_DA: Final = rf"(?:han|hun|de|nogen|(?:(?:min|mit|mine|hans|hendes|vores) )?{_PEOPLE_DA})"
_SUBJECT_EN: Final = (
    rf"(?:he|she|they|someone|somebody|(?:my|her|his|our) (?:{_WORD} )?{_PEOPLE_EN}|this {_PEOPLE_EN}|"
    rf"a (?:guy|man|woman))(?:'s|'ll|'d|'re)?"
)
_OBJECT_DA: Final = rf"(?:ham|hende|dem|nogen|folk|andre|dig|jer|alle|(?:min|mit|mine) {_PEOPLE_DA})"
_OBJECT_EN: Final = (
    rf"(?:him|her|them|someone|somebody|people|everyone|everybody|you|others|other people|"
    rf"(?:my|his|her|that|this) {_PEOPLE_EN})"
)
_VIOLENCE_DA: Final = (
    r"(?:slår|slog|slået|slå|dræbe|dræber|dræbte|sparke|sparker|sparkede|sparket|tæve|tæver|tævede|tævet|"
    r"banke|banker|bankede|banket|kvæle|kvæler|kvalte|kvalt|true|truer|truede|truet|voldtage|voldtager|voldtog|"
    r"voldtaget|mishandle|mishandler|mishandlede|mishandlet|overfalde|overfalder|overfaldt|forfølger|forfulgte|"
    r"skade|skader|skadede|skubbe|skubber|skubbede|skubbet|misbruger|misbrugte)"
)
_VIOLENCE_EN: Final = (
    r"(?:beats?|beat|beating|hits?|hitting|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|slap(?:s|ped|ping)?|"
    r"chok(?:e|es|ed|ing)|strangl(?:e|es|ed|ing)|rap(?:e|es|ed|ing)|threaten(?:s|ed|ing)?|hurts?|hurting|"
    r"kill|kills|killing|attack(?:s|ed|ing)?|stalk(?:s|ed|ing)?|abus(?:e|es|ed|ing)|assault(?:s|ed|ing)?|"
    r"shoves?|shoved|molest(?:s|ed|ing)?)"
)
_SLAA: Final = r"(?:slå|slår|slog|slået)"  # Danish "slå" (hit); "slå ... ihjel" is kill
_PILLS: Final = (
    r"\w*(?:piller|pillerne|tabletter|tabletterne|medicin|medicinen|pills|tablets|meds|medication|medicine|"
    r"painkillers)|panodil\w*|pamol\w*"
)
_TOPIC: Final = r"(?:selvmord|suicid|selvskad|self[- ]?harm|overdos)[\w-]*"
_GAMES: Final = (
    r"(?:skak|kort\w*|\w*spil\w*|tennis|badminton|fodbold|bordtennis|ludo|matador|scrabble|skrabbel|armlægning|"
    r"quiz\w*|\w*løb|chess|cards|poker|football|soccer|games?|video ?games|mario ?kart|fifa|running|a race)"
)


def _p(rule: str, kind: Kind, *parts: str) -> Phrase:
    """One table row; a pattern may be given in pieces that are joined, to keep lines short."""
    return Phrase(rule, kind, "".join(parts))


# --- the phrase table -------------------------------------------------------------------------------------------
# Rule ids are "<kind>.<language>.<name>"; "any" is for rows that hold in both languages.

PHRASES: Final[tuple[Phrase, ...]] = (
    # ===== EXCLUSIONS (hard negatives) =====
    # Applied first, in this order; each masks only the span it matches, so a crisis phrase elsewhere in the
    # same message still fires.
    _p(
        "exclude.any.prevention_word",
        "exclude",
        r"\b(?:selvmord|suicid|selvskad|overdos)[\w-]*?(?:fore?byg|prevent)\w*",
    ),
    _p(
        "exclude.any.prevention_phrase",
        "exclude",
        rf"\b(?:forebygge\w*|forebyggelse af|at forebygge|prevent\w*|prevention of|awareness of) {_TOPIC}",
    ),
    _p(
        "exclude.any.topic_of_study",
        "exclude",
        r"\b(?:kursus|kurser|kurset|kurus|foredrag|oplæg|undervisning|uddannelse|workshop|seminar|konference|",
        r"webinar|forskning|statistik\w*|artikel|artikler|bog|bøger|rapport|course|courses|lecture|training|",
        rf"seminar|research|article|book|paper|report|statistics) (?:i|om|omkring|on|about|in) {_TOPIC}",
    ),
    _p(
        "exclude.en.topic_compound",
        "exclude",
        r"\b(?:suicide|self[- ]?harm|overdose)[ -](?:prevention|awareness|research|statistics|rates?|squad|",
        r"squeeze|bomb\w*|first aid|training|course|courses|hotline training)\b",
    ),
    _p(
        "exclude.any.idiom_suicide",
        "exclude",
        r"\b(?:career|political|social|commercial|professional|karriere\w*|politisk|socialt|kommercielt) ",
        r"(?:selvmord|suicide)\b|\bselvmords(?:bomb|angreb|angriber|mission|pilot)\w*|\bsuicide bomb\w*",
    ),
    _p("exclude.da.dead_tired", "exclude", r"\bdød(?:s|sens)? ?-?træt\w*"),
    _p(
        "exclude.da.die_of",
        "exclude",
        r"\bdø(?:r|de|t)? af (?:grin|latter|kedsomhed|skam|sult|tørst|varme|kulde|nysgerrighed|spænding|",
        r"misundelse|pinlighed|træthed|nervøsitet|kærlighed)\b",
    ),
    _p("exclude.da.toilet", "exclude", r"\b(?:paa|pa|po) do\b"),
    _p(
        "exclude.da.negated_die",
        "exclude",
        r"\b(?:ikke|aldrig) (?:at |have lyst til (?:at )?|lyst til (?:at )?|ønske at |ønsker at )?dø\b",
    ),
    _p(
        "exclude.en.negated_die",
        "exclude",
        r"\b(?:don't|dont|do not|never|not|doesn't) (?:really )?(?:want|wanna|wish|plan|planning) (?:to )?die\b",
    ),
    _p(
        "exclude.en.die_idiom",
        "exclude",
        r"\b(?:die|dying|died) (?:of|from) (?:laughter|laughing|embarrassment|boredom|cringe|shame|curiosity|",
        r"envy|jealousy|happiness|cuteness|excitement|heat)\b|\bdie laughing\b|\bto die for\b|",
        r"\b(?:dye|die) my hair\b|\bdead tired\b",
    ),
    _p(
        "exclude.da.hang_idiom",
        "exclude",
        rf"\bhæng\w* (?:mig|dig|sig|os)(?: {_WORD})? i (?!(?:aften|nat|morgen|dag|weekenden|skoven|kælderen|",
        r"garagen|et træ|træet|loftet|et reb|badeværelset)\b)",
    ),
    _p(
        "exclude.any.games",
        "exclude",
        r"\b(?:slår|slog|slået|banker|bankede|tæver|tævede|beats?|beat|beating)",
        rf"(?: (?:mig|ham|hende|dem|os|dig|me|him|her|us|you))?(?: {_WORD}){{0,2}} (?:i|at|in) {_GAMES}\b",
    ),
    _p(
        "exclude.en.idiom_me",
        "exclude",
        r"\bhit(?:s|ting)? (?:me|him|her) up\b|\bbeat me to it\b|",
        r"\bkills? me (?:with (?:her|his|their|your) (?:jokes|humou?r|memes|stories)|lol|haha)\b",
    ),
    _p(
        "exclude.any.cutter_trade",
        "exclude",
        r"\b(?:som|er|arbejder som|job som|uddannet|freelance|a|the) cutter (?:på|til|hos|for|on|at)\b|",
        r"\b(?:som|arbejder som|job som|uddannet|freelance) cutter\b|",
        r"\bcutt(?:er|e|ede|et) (?:film|filmen|video\w*|klip|klippet|musik|lyd|reklamer|en film|en video|",
        r"podcast\w*|interview\w*|materialet|optagelser\w*)\b|",
        r"\b(?:box|cookie|paper|pizza|laser|plasma|vinyl|tile|glass|bolt|wire|hair|grass|brush|video|film|",
        r"papir|tapet|karton|hobby|dej|kage)[ -]?cutter\w*",
    ),
    _p(
        "exclude.any.accident",
        "exclude",
        r"\b(?:hurt|injured|burn(?:ed|t)?|cut) (?:myself|my ?self|my (?:arm|leg|hand|finger|knee|foot|back)s?) ",
        r"(?:while|playing|during|skiing|running|lifting|cooking|shaving|by accident|accidentally|",
        r"at (?:the gym|work|practice|football|training)|in (?:a|the) (?:fall|accident|game|match|kitchen)|",
        r"on (?:the|a) (?:stove|oven|knife|pan|nail|glass|paper))\b|",
        r"\b(?:skadede|skadet|skade|skader|brændte|brændt|brænde|skar|skåret) mig(?: selv)? ",
        r"(?:til|under|på|ved|i) (?:fodbold|håndbold|træning\w*|sport|løb|badminton|gymnastik|arbejdet|komfuret|",
        r"ovnen|panden|kniven|en kniv|et glas|papir|madlavning\w*|kaffen|teen|strygejernet|et uheld)\b",
    ),
    _p(
        "exclude.any.pills_routine",
        "exclude",
        rf"\b(?:tage|tager|take|takes|taking) (?:alle|all) (?:mine |my |of my |the )?(?:{_WORD} )?(?:{_PILLS}) ",
        r"(?:hver|om morgenen|om aftenen|til tiden|som de skal|every|each|in the morning|at night|on time)\b|",
        r"\b(?:husk\w*|glem\w*|remember\w*|forg[eo]t\w*) (?:at |to )?(?:tage|take) alle\b|",
        r"\btake all (?:my |of my )?(?:meds|medication|pills|tablets) (?:as|like) (?:prescribed|i should)\b",
    ),
    # ===== ACUTE DANGER: violence or threats against the writer, danger right now =====
    # A person (han, min kæreste ...) followed within a few words by violence against "mig", a weapon, or
    # "er voldelig". The gap may not hold "jeg" (then the writer is the actor) or a negation.
    _p(
        "acute_danger.da.violence",
        "acute_danger",
        rf"\b{_SUBJECT_DA} (?:(?!jeg\b|{_NEGATION}\b){_WORD} ){{0,4}}(?:{_VIOLENCE_DA} mig\b",
        r"(?! selv\b| ud\b| omkuld\b| hen\b| ned\b| som\b)|(?:er|bliver|var) (?:så |meget |rigtig )?voldelig\b|",
        r"(?:har|holder|står med|truer med|truede med) (?:en |et |sin |sit )?(?:kniv|pistol|våben|gevær|økse|",
        r"kniven|pistolen|geværet)\b)",
    ),
    _p(
        "acute_danger.da.passive",
        "acute_danger",
        r"\bjeg (?:bliver|blev|er blevet|er ved at blive|har været) (?:<ngap2>)?(?:slået|truet|tævet|banket|",
        r"voldtaget|mishandlet|forfulgt|overfaldet|sparket|kvalt|holdt fanget|spærret inde|misbrugt)\b|",
        r"\b(?:udsat for|offer for|oplever|lever med) (?:<gap2>)?(?:vold|voldtægt|trusler|overgreb|tvang)\b",
    ),
    _p(
        "acute_danger.da.in_danger",
        "acute_danger",
        r"\b(?:jeg er|jeg føler mig|vi er|mit liv er|jeg er lige nu|mine børn er) (?:<ngap1>)?i (?:livs)?fare\b",
        r"(?! for\b)|\bjeg er ikke i sikkerhed\b|\bikke (?:sikker|tryg|i sikkerhed) (?:der|her)? ?hjemme\b|",
        r"\btør ikke (?:at )?(?:gå |tage |komme |være )?(?:hjem|derhjemme|hjemme)\b|",
        r"\b(?:spærret|spærrer|låst|låser) mig inde\b|\bholder mig fanget\b|",
        r"\bblive (?:slået ihjel|dræbt|myrdet)\b",
    ),
    _p(
        "acute_danger.en.violence",
        "acute_danger",
        rf"\b{_SUBJECT_EN} (?:(?!i\b|{_NEGATION}\b){_WORD} ){{0,4}}(?:{_VIOLENCE_EN} me\b|",
        r"(?:has|got|is holding|pulled|'s got) (?:a |his |her |their )?(?:knife|gun|weapon)\b|",
        r"(?:is|are|'s|'re) (?:following|stalking|chasing) me\b)",
    ),
    _p(
        "acute_danger.en.not_safe",
        "acute_danger",
        r"\b(?:i'm|im|i am) (?:<ngap2>)?not safe\b|\bnot safe (?:at home|here|with (?:him|her|them))\b|",
        r"\b(?:i|i'm|im|i am) (?:don't|dont|do not|not|never) feel(?:ing)? safe (?:at home|here|in my (?:own )?",
        r"home|with (?:him|her|them|my \w+)|around (?:him|her|them))\b|",
        r"\b(?:i'm|im|i am|my life is|we are|we're) (?:<gap1>)?in danger\b(?! of\b)",
    ),
    _p(
        "acute_danger.en.assault",
        "acute_danger",
        r"\b(?:won't|wont|will not|doesn't|doesnt|does not) let me (?:leave|out of the house)\b|",
        r"\b(?:i was|i've been|ive been|i have been|i got|i'm being|im being|i am being) (?:<gap1>)?",
        r"(?:raped|sexually assaulted|assaulted|attacked|beaten up|strangled|choked|molested)\b",
    ),
    # ===== SUICIDE =====
    _p("suicide.da.word", "suicide", r"\bselvmord[\w-]*"),
    _p("suicide.any.word", "suicide", r"\bsuicid[\w-]*"),
    _p("suicide.any.overdose", "suicide", r"\boverdos[\w-]*"),
    _p(
        "suicide.da.take_life",
        "suicide",
        r"\b(?:tage|tager|tog|taget) (?:mit|mig|sit) (?:eget |egen )?liv(?:et)?\b",
        r"(?! (?:tilbage|i egen|i mine|i hånden|i hænderne|seriøst|alvorligt|op|mere alvorligt)\b)|",
        r"\b(?:tage|tager|tog|taget) livet af (?:mig|sig)(?: selv)?\b",
    ),
    _p(
        "suicide.da.end",
        "suicide",
        r"\b(?:gøre|gør|gjorde|gjort) (?:en )?ende på (?:det|mig selv|mit liv|livet|mig|mit eget liv)\b|",
        r"\b(?:ende|ender|endte) (?:mit liv|livet|det hele)\b|\b(?:afslutte|afslutter|afsluttede) (?:mit liv|livet)\b",
    ),
    _p(
        "suicide.da.kill_self",
        "suicide",
        rf"\b{_SLAA} mig selv ihjel\b|\b(?:jeg <ngap4>|at ){_SLAA} mig ihjel\b|",
        r"\b(?:dræbe|dræber|dræbte|dræbt|myrde|aflive) mig selv\b|\bjeg <ngap4>(?:dræbe|dræber) mig\b|",
        r"\b(?:skyde|skyder|skød) mig selv\b(?! i (?:foden|benet)\b)|",
        r"\b(?:hænge|hænger|hængte|hængt) mig(?: selv)?\b",
        rf"(?! (?:{_WORD} )?(?:op|på|fast|ud|over|efter|med|ved|sammen|rundt|ned)\b)|",
        r"\b(?:drukne|drukner|druknede) mig(?: selv)?\b(?! i\b)",
    ),
    _p(
        "suicide.da.method",
        "suicide",
        r"\b(?:springe|springer|sprang|hoppe|hopper|hoppede|kaste mig|kaster mig|kastede mig|smide mig|gå|går) ",
        r"(?:ud )?foran (?:et tog|toget|en bus|bussen|en bil|en lastbil|metroen|tog|bus)\b|",
        r"\b(?:springe|springer|sprang|hoppe|hopper|hoppede|kaste mig|kaster mig) (?:ud |ned )?(?:fra|af|ud over) ",
        r"(?:broen|en bro|taget|altanen|et højhus|vinduet|klippen)\b",
    ),
    _p(
        "suicide.da.pills",
        "suicide",
        r"\b(?:tage|tager|tog|taget|sluge|sluger|slugte|slugt|spise|spiser|spiste|æde|æder) (?:alle|hele glasset ",
        r"med|hele pakken med|hele æsken med|en masse|alt for mange|en håndfuld)(?: af)? (?:mine |de |sine )?",
        rf"(?:{_WORD} )?(?:{_PILLS})\b",
    ),
    _p(
        "suicide.da.want_die",
        "suicide",
        r"\b(?:vil|ville|ønsker|ønskede|ønske|lyst til|længes efter|trang til|beder om) <ngap3>(?:at )?dø\b",
        r"(?! for (?!at\b))|",
        r"\bhåber (?:at )?jeg (?:snart )?dør\b|\bvil <ngap2>være død\b",
    ),
    _p(
        "suicide.da.dead_wish",
        "suicide",
        r"\b(?:ønske|ønsker|ønskede) (?:at )?jeg (?:var|er|bare var) død\b|\bønsker mig død\b|",
        r"\b(?:bedre|nemmere) (?:hvis jeg var |at være )?død\b|",
        r"\b(?:bedre|nemmere) (?:for (?:alle|dem|jer|andre|familien) )?uden mig\b|",
        r"\baldrig (?:var|blev|er) (?:blevet )?født\b",
    ),
    _p(
        "suicide.da.not_live",
        "suicide",
        r"\b(?:vil|ønsker|orker|gider|magter) ikke <gap2>(?:at )?leve\b|",
        r"\bikke (?:<gap1>)?(?:vil|ønsker|orker|gider|magter|kan|har lyst til) (?:at )?leve\b",
        r"(?! (?:i|på|sammen|uden|af|for|som|med|et|en)\b)|",
        r"\bkan ikke (?:<gap1>)?leve (?:mere|længere|sådan|med det|med mig selv)\b|",
        r"\bhar ikke (?:mere |længere )?(?:lyst|kræfter) til (?:at )?leve\b|",
        r"\b(?:orker|gider|magter) ikke (?:mere )?(?:livet|mit liv|at være i live|at eksistere|at være til)\b|",
        r"\bikke <gap3>være (?:her|til|i live) (?:mere|længere)\b|\bikke <gap3>være i live\b|",
        r"\bikke værd at leve\b|\b(?:intet|ingenting|ikke noget) (?:tilbage )?at leve for\b|",
        r"\bingen (?:grund|mening) (?:til|med) at leve\b|\bmeningsløst at leve\b",
    ),
    _p(
        "suicide.da.not_wake",
        "suicide",
        r"\b(?:ikke|aldrig) (?:at )?vågne (?:op )?(?:igen|mere|i morgen)\b|",
        r"\bhåber (?:at )?jeg (?:ikke|aldrig) vågner\b|\bsove og aldrig vågne\b",
    ),
    _p("suicide.da.note", "suicide", r"\b(?:afskeds|farvel)brev\w*"),
    _p(
        "suicide.en.kill_self",
        "suicide",
        r"\bkill(?:s|ing|ed)? (?:my ?self|meself|myslef)\b|\bunalive (?:my ?self)\b|",
        r"\b(?:wanna|want to|going to|gonna|about to|i will|i'll|might|should|finna|tryna) kms\b",
    ),
    _p(
        "suicide.en.want_die",
        "suicide",
        r"\b(?:want|wanna|wanted|wish|wishing|ready|planning|plan|rather|deserve|deserves|longing|hoping) ",
        r"<ngap3>(?:to )?die\b",
    ),
    _p(
        "suicide.en.dead_wish",
        "suicide",
        r"\bwish (?:that )?i (?:was|were|had been|'d been|could be) (?:dead|never born|gone)\b|",
        r"\bbetter off (?:dead|without me)\b|\b(?:rather|want to|wanna) be dead\b|",
        r"\bwish i (?:had )?never (?:been born|existed|woken up)\b",
    ),
    _p(
        "suicide.en.not_live",
        "suicide",
        r"\b(?:don't|dont|do not|no longer|not|doesn't) (?:<gap2>)?(?:want|wanna|wish|feel like) (?:to )?",
        r"(?:live|be alive|exist|be here anymore|be here any ?more|be around anymore)\b|",
        r"\b(?:don't|dont|do not|never|not) (?:want|wanna|wish|plan) (?:to )?wake up\b",
        r"(?! early| at\b| before| so early| in time| on time)|\bnever wake up\b|",
        r"\b(?:tired|sick) of (?:living|being alive|life|existing)\b|\bdone with (?:life|living)\b|",
        r"\b(?:nothing|nobody) (?:left )?to live for\b|\bno (?:reason|point) (?:to|in) (?:live|living|go on|",
        r"going on)\b|\b(?:not|isn't|isnt|is not) worth living\b|",
        r"\b(?:can't|cant|can not|cannot) go on (?:living|anymore|any more)\b",
    ),
    _p(
        "suicide.en.end_life",
        "suicide",
        r"\b(?:end|ending|ended|take|taking|took) my (?:own )?life\b",
        r"(?! (?:back|into|in (?:a|my|new)|seriously|more seriously|to the|up)\b)|",
        r"\b(?<!the )end(?:ing)? it all\b|",
        r"\b(?:going to|gonna|want to|wanna|plan to|planning to|decided to|ready to|about to|i'll|i will|i'm|im|",
        r"i am|just|will) end(?:ing)? it(?: all| tonight| today| now| soon)?\b",
        r"(?! with\b| at\b| here\b| there\b| early\b| by\b| for\b)",
    ),
    _p(
        "suicide.en.bereaved",
        "suicide",
        r"\btook (?:his|her|their) (?:own )?life\b|\bkilled (?:himself|herself|themselves|themself)\b",
    ),
    _p(
        "suicide.en.method",
        "suicide",
        r"\bhang(?:ing)? myself\b|\bjump(?:ing)? (?:off|from) (?:a |the )?(?:bridge|building|roof|cliff|",
        r"balcony|tower)\b|\b(?:jump|jumping|step|throw myself|walk) (?:in front of|onto|under) (?:a |the )?",
        r"(?:train|bus|truck|car|tracks)\b",
    ),
    _p(
        "suicide.en.pills",
        "suicide",
        r"\b(?:take|took|taking|swallow|swallowed|swallowing|down|downed) (?:all|all of|a whole bottle of|",
        rf"the whole bottle of|a bunch of|a handful of) (?:my |the |of my )?(?:{_WORD} )?(?:{_PILLS})\b",
    ),
    # ===== SELF-HARM =====
    _p(
        "self_harm.da.cut",
        "self_harm",
        r"\b(?:skære|skærer|skar|skåret|skærende) (?:i mig(?: selv)?|mig selv|i (?:mine|min|mit) ",
        rf"(?:{_WORD} )?(?:arm|håndled|ben|lår|hud|krop|mave)\w*)\b",
    ),
    _p("self_harm.da.cutter", "self_harm", r"\bcutt(?:er|e|et|ede)\b|\b(?:med|om|af|mod|trang til) cutting\b"),
    _p("self_harm.any.word", "self_harm", r"\bselvskad[\w-]*|\bself[- ]?(?:harm\w*|injur\w*|mutilat\w*)"),
    _p(
        "self_harm.da.hurt_self",
        "self_harm",
        r"\b(?:skade|skader|skadede|skadet|gøre skade på|gør skade på|gjorde skade på|gjort skade på|brænde|",
        r"brænder|brændte|brændt|ridse|ridser|ridsede|ridset|rispe|risper|rispede|rispet) (?:i )?mig selv\b|",
        r"\b(?:gøre|gør|gjorde) mig selv (?:fortræd|skade|ondt)\b|",
        r"\b(?:ridse|ridser|ridsede|ridset|rispe|risper|rispede|rispet) (?:i )?mig\b|",
        r"\b(?:lyst til|trang til|vil) (?:at )?skade mig\b",
    ),
    _p(
        "self_harm.en.cut",
        "self_harm",
        r"\bcut(?:ting)? (?:myself|my ?self|my (?:arms?|wrists?|legs?|thighs?|skin|stomach|body))\b|",
        r"\b(?:started|start|been|stop|stopped|quit|keep|kept|relapsed|relapse|urge to|urges to|go back to|",
        r"went back to|back to|thinking about|think about) cutting\b",
        r"(?! (?:back|down|corners|costs?|ties|class|classes|carbs|sugar|out|off|hair|the)\b)|",
        r"\bcutting (?:again|myself)\b|\bcuts on my (?:arms?|wrists?|legs?|thighs?)\b",
    ),
    _p(
        "self_harm.en.hurt_self",
        "self_harm",
        r"\b(?:hurt|hurting|hurts|harm|harming|burn|burning|burned|burnt) (?:myself|my ?self)\b",
    ),
    # ===== HARM TO OTHERS =====
    _p(
        "harm_others.da.kill",
        "harm_others",
        rf"\bjeg <ngap4>{_SLAA} {_OBJECT_DA} ihjel\b|",
        r"\bjeg <ngap4>(?:dræbe|dræber|myrde|myrder|knivstikke|kvæle|kvæler|skade|skader|gøre skade på|",
        rf"gøre fortræd mod|skyde|skyder) {_OBJECT_DA}\b(?! en\b| et\b)|\bjeg <ngap4>(?:stikke|stikker) ",
        rf"{_OBJECT_DA} ned\b|\b(?:tanker om|lyst til|trang til) (?:at )?(?:skade|dræbe|gøre skade på) ",
        rf"{_OBJECT_DA}\b",
    ),
    _p(
        "harm_others.en.kill",
        "harm_others",
        rf"\bi(?:'ll|'m|'d| will| am| would)? <ngap4>(?:kill|murder|stab|shoot|strangle) {_OBJECT_EN}\b",
        r"(?! with kindness\b| a\b| an\b)|",
        r"\b(?:want|wanna|going|gonna|urge|urges|thoughts of|thinking about|afraid i(?:'ll| will| might)) ",
        rf"<gap2>(?:hurt|harm|hurting|harming|attack|attacking) {_OBJECT_EN}\b",
    ),
)


# --- pattern expansion and compilation --------------------------------------------------------------------------

_LETTER_FORMS: Final = {"æ": "(?:ae|a|e)", "ø": "(?:oe|o)", "å": "(?:aa|a)"}
_GAP_MARK: Final = re.compile(r"<(n?)gap(\d)>")


def _expand(pattern: str) -> str:
    """Turn the readable table form into a regex over normalised text (see the module docstring)."""

    def gap(match: re.Match[str]) -> str:
        word = rf"(?!{_NEGATION}\b){_WORD}" if match.group(1) else _WORD
        return rf"(?:{word} ){{0,{match.group(2)}}}"

    pattern = _GAP_MARK.sub(gap, pattern)
    return "".join(_LETTER_FORMS.get(char, char) for char in pattern)


def _top_level_branches(pattern: str) -> list[str]:
    """Split a regex at its top-level "|", outside groups, classes and escapes."""
    branches, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    branches.append(pattern[start:])
    return branches


def _compile(phrases: tuple[Phrase, ...]) -> tuple[re.Pattern[str], tuple[tuple[Phrase, re.Pattern[str]], ...]]:
    """Compile rows, plus one gate: a single scan that finds a text no row matches, the common case, quickly.

    The gate is exact only because every branch of every row starts at a word boundary; that is enforced here.
    """
    expanded = [_expand(phrase.pattern) for phrase in phrases]
    for phrase, pattern in zip(phrases, expanded, strict=True):
        if not all(branch.startswith(r"\b") for branch in _top_level_branches(pattern)):
            raise ValueError(f"every branch of {phrase.rule} must start with \\b")
    gate = re.compile(r"\b(?:" + "|".join(f"(?:{pattern})" for pattern in expanded) + ")")
    return gate, tuple((phrase, re.compile(pattern)) for phrase, pattern in zip(phrases, expanded, strict=True))


_EXCLUSION_GATE, _EXCLUSIONS = _compile(tuple(phrase for phrase in PHRASES if phrase.kind == "exclude"))
_POSITIVE_GATE, _POSITIVES = _compile(tuple(phrase for phrase in PHRASES if phrase.kind != "exclude"))
RULE_IDS: Final = frozenset(phrase.rule for phrase in PHRASES)

# A masked span becomes this barrier: not a word and not a space, so no phrase or gap can reach across it.
_BARRIER: Final = " ¦ "


# --- normalisation and typo tolerance ---------------------------------------------------------------------------

_TRANSLATE: Final = str.maketrans(
    {
        "æ": "ae",
        "ø": "oe",
        "å": "aa",
        "ä": "ae",
        "ö": "oe",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "′": "'",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)


def normalise(text: str) -> str:
    """Fold a text to the one spelling the phrase table is written against.

    Case, compatibility forms (full-width letters, ligatures), æøå, accents, curly apostrophes, dashes and
    invisible characters (a soft hyphen inside "selv­mord") must not decide whether a person in crisis is heard.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
    if not text.isascii():  # the slow path only for what is left after æøå: accents, emoji, format characters
        decomposed = unicodedata.normalize("NFKD", text)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
        text = unicodedata.normalize("NFC", kept)
    return " ".join(text.split())


# Key words worth correcting typos in: long and distinctive enough that one edit does not reach another word.
_KEY_WORDS: Final = (
    "selvmord",
    "selvmordet",
    "selvmordstanker",
    "selvmordstanke",
    "selvmordsforsoeg",
    "selvmordstruet",
    "selvskade",
    "selvskadende",
    "suicide",
    "suicidal",
    "overdosis",
    "ihjel",
)
_DOUBLE: Final = re.compile(r"(\w)\1+")
_TOKEN: Final = re.compile(r"\w{4,}")


def _squeeze(word: str) -> str:
    """Collapse doubled letters: "selvmoord" and "sellvmord" both become "selvmord"."""
    return _DOUBLE.sub(r"\1", word)


_SQUEEZED_KEYS: Final = tuple((key, _squeeze(key)) for key in _KEY_WORDS)


def _within_edits(a: str, b: str, limit: int) -> bool:
    """Optimal string alignment distance (insert, delete, substitute, swap neighbours) of at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


@lru_cache(maxsize=8192)
def _correct(word: str) -> str:
    """Return the key word `word` is a typo of, or `word` itself."""
    squeezed = _squeeze(word)
    for key, squeezed_key in _SQUEEZED_KEYS:
        if squeezed == squeezed_key:
            return key
    for key, squeezed_key in _SQUEEZED_KEYS:
        limit = 1 if len(squeezed_key) < 12 else 2
        if squeezed[0] == squeezed_key[0] and _within_edits(squeezed, squeezed_key, limit):
            return key
    return word


def _prepare(text: str) -> str:
    """Normalised text with typos of key words corrected."""
    return _TOKEN.sub(lambda match: _correct(match.group()), normalise(text))


# --- the detector -----------------------------------------------------------------------------------------------


def detect_crisis(text: str) -> CrisisSignal | None:
    """Return what the text signals, or None. Pure and fast: it runs on every message before anything else."""
    prepared = _prepare(text)
    if not prepared:
        return None
    if _EXCLUSION_GATE.search(prepared):
        for _, regex in _EXCLUSIONS:
            prepared = regex.sub(_BARRIER, prepared)
    if not _POSITIVE_GATE.search(prepared):
        return None
    for phrase, regex in _POSITIVES:  # table order decides the category when several rows match
        if regex.search(prepared):
            return CrisisSignal(category=cast(Category, phrase.kind), rule=phrase.rule)
    return None
