package offline

import "strings"

// commonWords are everyday English words that are neither misspellings
// (so they are never "corrected" to a word of the article) nor topics the
// article could be silent about (so they are never named as uncovered).
// Stop words are listed apart, in vocabulary.go.
var commonWords = setOf(strings.Fields(`
able above absolutely accept access account across act action active activity add added adding
advice advise afraid age ago agree ahead aim aiming allow almost alone along already alright always
amazing among amount angle another answer answers anybody anymore anything anyway anywhere apart
appear apply approach area areas around arrive article articles ask asked asking aspect aspects
assume attention aunt available avoid aware away awesome baby back background bad badly band bands
base based basic basics bear beat beautiful became begin beginner beginners beginning behind believe
belong below beside besides bet beyond big bigger bit bits blog board body book books bore bored
bores boring born boss bother bottom bought box boy brain break bring brother brought brown bus busy
buy call called calls came cant care careful carry case cases catch cause center certain certainly
chance change changed changes changing cheap check child children city class classes clear clearly
client clients close closer closest clue colleague colleagues come comes coming common community
compared complete completely computer concept confused consider context continue cool copy
correct could count couple cousin cover covered covers crazy create created creates creating cross
cup current currently cut dad daily daughter day days dead deal dear decent deep deeper definitely
describe described desk detail details did die difference different difficult direction directly
discuss discussed dont door double doubt down dream drive drop due during early earth easier easily
easy eat effort eight either else end ended ending ends english enjoy enjoyed enjoying enjoys enough
entire especially essay even evening event ever everybody everyday everyone everything everywhere
exact exactly exam example examples except expect experience experienced explain explained face fact
fair fairly fall family far father favorite favourite feel feeling feels fell felt field fields
figure fill final finally find fine finish finished first five fix follow following food foot forget
form forward found four free friend friends front full fully fun funny future gave general get gets
getting girl given gives giving glad goes going gone gonna good got gotta great group grow guess guy
guys half hand handle hands happen happened happy hard hate head hear heard heavy hello help helpful
helps hey high higher hit hold home honest honestly hope hopefully hot hour hours house huge human
hundred idea ideas imagine important include included including indeed info information inside
instead interest interesting interests involve involved involves job jobs join keep keeps kid kids
kind kinda knew knowledge known large last late later latest learn learned learning least leave left
less lesson level life light likely line lines link little live lives living local long longer look
looked looking looks lose lost lot lots love loved loves low lucky made major make makes making man
manage many matter maybe mean means meaning meant meet meeting member mention mentioned mentions met
middle mind mine minute minutes miss mom month months morning mother move moved moving mum myself
name named near nearly necessary need needed needs never new news next nice night nobody none normal
normally note nothing notice number obviously offer office okay old once open opinion order others
otherwise ought outside over overall page paper parent parents part parts party pass past people per
perfect perhaps period person personal personally phone pick picture piece place plan planning play
please plenty plus point points possible possibly post posts power pretty probably problem problems
process project projects proper properly pull purpose push put question questions quick quite rather
read reading ready real realise realize really reason reasons recent recently recommend regular
related relative remember reply rest result results right rite room round run running said save saw
say saying school second see seem seems seen self sense sent serious set seven several shall short
show side similar simple simply since single sister sit site situation six size small social sold
solid somebody somehow someone something sometimes somewhere son soon sorry sort sound sounds speak
special specific spend spent stand start started starting state stay step steps still stop story
straight strange street strong student students study studying stuff subject suggest super support
suppose supposed sure surely surprise take taken takes taking talk talked talking teach teacher team
tell ten term terms than thank thanks thing things think thinking third though thought three through
throw tired today together told tomorrow tonight took top topic topics total totally touch toward
towards town tried trip true truly trust try trying turn two type types uncle under understand
understanding unless until upon used useful user users using usual value various version view visit
wait walk wanna wanted wants watch water week weekend weeks weird welcome well went whatever whether
white whole wide wife wish within without woman women wonder wonderful word words worked worker
working works world worried worry worse worst worth write writing wrong year years yes yet young
yourself actual actually spends calling relationship relationships retraining retrain designer
designers natural startup startups lover lovers section sections recruiter recruiters spell
particular adapting adapt supply shaping shape recommends grad grads modelling modeling numbers
sites scares scare prefers publish writes style predictive graphic required require requires prepare
preparing interested hobby passion passionate curious overlap overlaps overlapping headline heading
title titles summary summarize summarise outline basically mainly mostly generally specifically
roughly achieve achieved advantage advantages disadvantage disadvantages benefit benefits pros cons
challenge challenges responsibility responsible duties role roles option options opportunity path
paths route routes track industry differences similarity compare comparison contrast versus opposite
explanation description define definition overview introduction conclusion concepts work position
positions companies service services teams manager managers teachers ability
abilities talent talents strength strengths weakness weaknesses hobbies practice practise improve
improving growing develop build building design designing choose choosing decide deciding picking
preferring suit suits fit fits match matches belongs includes easiest simpler harder complex
complicated slow switch switching transition previous earlier yesterday afternoon decade lifetime
humans anyone way ways kinds sorts pieces issue issues solution solutions places online offline
internet web computers phones device devices machine machines software program programs programming
system systems platform platforms server servers network networks clever brains present history
trend trends hype buzz buzzword buzzwords popular famous expensive budget better best valuable
powerful impactful successful practical realistic
`)...)

// realWords are English words that are not misspellings of the article's
// words, yet may well be what a question is about ("competition",
// "transformer"): the corrector leaves them alone, and a short question
// about one of them is out of scope.
var realWords = setOf(strings.Fields(`
competition competitive level levels senior junior ladder promotion promotions transformer
transformers neural network networks agent agents agentic ethics ethical bias privacy security
regulation law legal startup freelance freelancing contract portfolio resume internship mentor
mentorship burnout stress visa relocation equity stock bonus
`)...)
