package offline

// synonyms lists the ways people name the same thing. Variants go through the
// same tokenizer and stemmer as the text, so plurals and verb forms need not
// be listed; the longest matching phrase wins, so "ml engineer" beats "ml".
// A canon may expand to several terms ("react _swdev") to keep a tool name
// that sits inside a phrase.
var synonyms = []struct {
	canon    string
	variants []string
}{
	// The two roles, and the fields they belong to.
	{"_mleng", []string{
		"ml engineer", "ml engineering", "machine learning engineer", "machine learning engineering",
		"mle", "mles", "ml developer", "machine learning developer",
	}},
	{"_genaidev", []string{
		"gen ai application developer", "gen ai application development", "gen ai developer",
		"gen ai development", "gen ai engineer",
		"genai application developer", "genai application development", "genai developer", "genai engineer",
		"generative ai application developer", "generative ai application development",
		"generative ai developer", "generative ai engineer",
		"ai application developer", "ai application development", "ai application builder",
		"llm developer", "llm application developer",
	}},
	// Alone, "ML" and "Gen AI" still name the roles: they are all the
	// article talks about.
	{"_genaidev", []string{"gen ai", "genai", "generative ai", "generative"}},
	{"_mleng", []string{"machine learning", "ml"}},

	// What people ask about.
	{"_role", []string{"role", "job", "position", "what does", "what do", "what is a", "what is an", "who is"}},
	{"_tools", []string{
		"tool", "toolkit", "toolset", "toolbox", "toolchain", "tooling", "stack", "tech stack", "technology stack", "technology", "tech",
		"language", "programming language", "framework", "library", "skill", "skillset",
	}},
	{"_daily", []string{
		"day to day", "daily", "daily work", "daily task", "task", "responsibility", "duty",
		"day", "all day", "every day", "typical day", "normal day", "working day", "workday", "routine",
		"what do they do", "what do they actually do", "day in the life", "work involve",
	}},
	{"_compare", []string{
		"difference", "different", "differ", "compare", "comparison", "vs", "versus", "contrast",
		"distinguish", "tell apart", "tell them apart", "how is it different", "separate", "separates",
		"which is which",
	}},
	{"_nutshell", []string{
		"simplest way", "easiest way", "in one line", "one liner", "one sentence", "nutshell",
		"tldr", "tl dr", "sum up", "short version", "a sentence", "a line", "remember", "takeaway", "final thought",
		"conclusion", "bottom line", "key message",
	}},
	{"_overview", []string{
		"overview", "article about", "article look", "this about", "big picture", "main idea",
		"main point", "gist", "introduction", "intro",
	}},
	{"_example", []string{"example", "kind of", "type of", "what sort of"}},
	{"_fitme", []string{
		"which role fits me", "fit me", "suit me", "suited", "right for me", "good for me",
		"best for me", "better for me", "better fit", "should choose", "should pick", "should become",
		"should go for", "should pursue", "should study", "should do", "should you choose",
		"help me choose", "help me decide", "help me pick", "choose between", "pick between",
		"decide between", "fit you", "right for you",
	}},
	{"_career", []string{"career", "path", "choose", "choice", "pick", "decide", "profession", "better choice"}},
	{"_analogy", []string{
		"analogy", "metaphor", "simple example", "real life example", "simple terms", "simply",
		"eli5", "explain like", "layman", "plain english", "like a kid", "like a child",
		"to a kid", "to a child", "for a kid", "for a child", "for kids", "year old", "represent", "stand for", "symbolise", "symbolize",
	}},
	{"_demand", []string{
		"demand", "in demand", "hiring", "job market", "market", "employer", "company",
		"business", "opportunity", "prospect", "outlook", "worth it",
	}},
	{"_fast", []string{"fast", "fastest", "faster", "quick", "quickest", "quickly", "shortcut"}},
	{"_enter", []string{
		"enter", "get into", "break into", "move into", "way into", "switch", "switch to",
		"transition", "pivot", "get started", "start", "entry", "into ai", "ways into",
	}},
	{"_swdev", []string{
		"software developer", "software engineer", "web developer", "programmer", "coder",
		"frontend developer", "front end developer", "backend developer", "full stack developer",
		"fullstack developer", "build software", "write software",
	}},
	{"react _swdev", []string{"react developer", "reactjs developer"}},
	{"javascript _swdev", []string{"javascript developer", "js developer"}},
	{"nodejs _swdev", []string{"node developer", "nodejs developer", "node js developer"}},
	{"python _swdev", []string{"python developer"}},

	// Facts in the article, however they are spelled.
	{"nodejs", []string{"node js", "nodejs", "node"}},
	{"javascript", []string{"javascript", "js"}},
	{"react", []string{"react", "reactjs", "react js"}},
	{"openai", []string{"openai", "open ai"}},
	{"chatgpt", []string{"chatgpt", "chat gpt"}},
	{"aws", []string{"aws", "amazon web services"}},
	{"rag", []string{"rag", "retrieval augmented generation"}},
	{"_vectordb database", []string{"vector database", "vector db", "vectordb", "vector store"}},
	{"database", []string{"database", "db"}},
	{"_ui", []string{"user interface", "ui", "ux", "frontend", "front end", "interface"}},
	{"api", []string{"api", "apis"}},
	{"_finetune", []string{"fine tune", "finetune", "fine tuning", "finetuning"}},
	{"_clean", []string{"clean", "cleanup", "clean up", "preprocess", "preprocessing", "data preparation"}},
	{"_accuracy", []string{"accuracy", "accurate", "evaluate", "evaluation", "any good", "how good",
		"is good", "quality", "measure", "check how good", "checking how good", "whether a model is good"}},
	{"improv", []string{"improve", "improvement", "better over time", "make it better", "making it better",
		"performance", "optimise", "optimize"}},
	{"collect", []string{"collect", "gather", "collection"}},
	{"goal", []string{"goal", "same goal", "in common", "have in common", "similarity", "similarities", "alike"}},
	{"_own", []string{"yourself", "themselves", "their own", "your own", "his own", "her own", "my own", "own model", "own models"}},
	{"_deploy", []string{"deploy", "deployment", "ship", "host", "hosting"}},
	{"_summar", []string{
		"summarise", "summarize", "summarised", "summarized", "summarising", "summarizing",
		"summary", "summariser", "summarizer", "summarization", "summarisation",
	}},
	{"_math", []string{"math", "maths", "mathematics", "mathematical", "statistics", "stats"}},
	{"resume", []string{"resume", "résumé", "cv"}},
	{"chatbot", []string{"chatbot", "chat bot", "bot"}},
	{"code", []string{"code", "coding"}},
	{"data", []string{"data", "dataset", "data set"}},
}

// spellings fixes common typos and abbreviations word by word, before
// stemming and phrase matching, so "ml enginer" still means "_mleng".
var spellings = map[string]string{
	"enginer": "engineer", "enginers": "engineers", "enginner": "engineer", "engeneer": "engineer",
	"engineeer": "engineer", "enigneer": "engineer", "eng": "engineer", "engg": "engineer",
	"enginering": "engineering", "engeneering": "engineering",
	"developper": "developer", "developpers": "developers", "devloper": "developer",
	"develper": "developer", "develloper": "developer", "developr": "developer", "develpoer": "developer",
	"dev": "developer", "devs": "developers",
	"app": "application", "apps": "applications", "aplication": "application",
	"applicaton": "application", "appliction": "application",
	"machin": "machine", "machien": "machine", "learing": "learning", "lerning": "learning",
	"learnign": "learning", "leraning": "learning", "learnig": "learning",
	"genrative": "generative", "generativ": "generative",
	"carrer": "career", "carreer": "career", "carrier": "career", "carrers": "careers",
	"diffrence": "difference", "differnce": "difference", "diference": "difference",
	"choise": "choice", "chose": "choose", "chosse": "choose",
	"responsabilities": "responsibilities", "resposibilities": "responsibilities",
	"pytroch": "pytorch", "tensorflo": "tensorflow", "tensoflow": "tensorflow",
	"javascipt": "javascript", "databse": "database", "databses": "databases",
	"used": "use", "using": "use", "uses": "use", "usd": "use",
	// Chat-speak too short to correct by edit distance.
	"wat": "what", "wats": "what", "whats": "what", "wht": "what", "hw": "how", "ur": "your",
	"shud": "should", "shld": "should", "wrk": "work", "bth": "both", "in2": "into", "diff": "difference",
	"pls": "please", "plz": "please", "bild": "build", "bilds": "builds", "lern": "learn", "abt": "about",
	"whos": "who", "wich": "which", "btwn": "between", "betwn": "between", "bcoz": "because", "coz": "because", "fav": "favourite", "thru": "through", "gud": "good",
	// Irregular verbs the stemmer cannot reach.
	"built": "build", "made": "make", "wrote": "write", "written": "write", "taught": "teach",
}

// stopWords carry no meaning on their own. They still count inside phrases
// ("what do they do", "should I choose").
var stopWords = setOf(
	"a", "about", "actually", "after", "again", "all", "also", "am", "an", "and", "any", "anyone",
	"are", "aren", "as", "at", "basically", "be", "because", "become", "becoming", "been",
	"before", "being", "best", "better", "between", "both", "but", "by", "can", "could",
	"curious", "currently", "did", "do", "does", "doesn", "doing", "don", "each", "either",
	"else", "etc", "even", "every", "exactly", "explain", "few", "for", "from", "generally",
	"get", "give", "go", "good", "had", "has", "have", "having", "he", "her", "here", "him",
	"his", "how", "if", "im", "in", "interested", "into", "is", "isn", "it", "its", "just",
	"kind", "know", "let", "like", "list", "mention", "name", "ll", "main", "mainly", "me", "might", "more", "most",
	"mostly", "much", "must", "my", "need", "needs", "no", "normally", "not", "now", "of",
	"off", "often", "on", "one", "only", "or", "other", "our", "out", "own", "please",
	"really", "re", "same", "say", "says", "share", "she", "should", "show", "so", "some", "someone",
	"something", "such", "tell", "than", "that", "the", "their", "them", "then", "there",
	"these", "they", "thing", "things", "think", "this", "those", "through", "to", "too",
	"typical", "typically", "up", "us", "usual", "usually", "ve", "very", "want", "wants",
	"was", "way", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
	"whose", "why", "will", "with", "wondering", "would", "you", "your", "yours",
)

// greetWords make up small talk: a message made only of these (and stop
// words) gets the help reply rather than a search. Stemmed forms.
var greetWords = setOf(
	"hi", "hello", "hey", "hiya", "howdy", "yo", "sup", "greeting", "thank", "thanks", "thx",
	"ty", "cheer", "help", "morning", "afternoon", "evening", "bye", "goodby", "great", "cool",
	"nice", "awesome", "ask", "question", "anything", "topic", "lot", "ok", "okay",
)

// thankWords pick the "you're welcome" variant of the help reply.
var thankWords = setOf("thank", "thanks", "thx", "ty", "cheer")

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
