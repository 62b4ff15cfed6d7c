package offline

// sectionKeywords are words people use for what a section is about that
// the section itself does not contain. They are indexed with the section
// (never shown), so "where does the training data come from" finds the
// ML Engineer's role, and "kubernetes" finds the tools it is closest to.
var sectionKeywords = map[string]string{
	"overview": "who builds makes creates behind people roles two roles main roles ai products ai apps " +
		"goal common share same",
	"analogy-pizza-restaurant": "pizza restaurant chef owner cook kitchen food analogy example explain",
	"ml-engineer-role": "data source sources come from collect gather internet where data trained on " +
		"teach learn intelligence patterns main job",
	"ml-engineer-daily-work": "day to day tasks work routine evaluate quality good improve pipelines " +
		"gpu hardware laptop hours interview",
	"ml-engineer-tools": "tools pytorch tensorflow numpy pandas scikit jupyter notebook kubernetes spark " +
		"azure gcp cloud deploy course library",
	"genai-developer-role":         "gpt existing models prebuilt train own models build on top llm prompt",
	"genai-developer-applications": "apps products examples build chatbot assistant search summarise resume",
	"genai-developer-daily-work":   "day to day tasks frontend backend mobile web websites remote",
	"genai-developer-tools": "tools langchain llamaindex stack vector embeddings openai api docker react " +
		"node cloud azure gcp",
	"choosing-a-career": "choose pick decide which suits fits better for me like enjoy excite maths " +
		"statistics degree phd",
	"industry-demand": "demand hiring jobs market future companies hire salary pay replace",
	"fastest-path-for-developers": "fastest quickest developer switch transition how long time " +
		"certification course bootcamp",
	"remember-the-difference": "difference summary short one liner remember",
}

// uncoveredTopic is something people ask that the article does not cover.
type uncoveredTopic struct {
	name     string   // how a reply names it: "salaries or pay"
	triggers []string // analysed phrases that mean it
	closest  []string // the sections most useful instead, best first
	stemmed  []string // the triggers stemmed and padded, filled in at start-up
	// situation: when the trigger only describes the person ("I'm a data
	// scientist"), it is their background, not their question.
	situational bool
}

var uncoveredTopics = []uncoveredTopic{
	{name: "writing code for you (it is about careers, not programming help)", triggers: []string{"write me",
		"script", "write a program", "write code", "code for me", "sort a list", "debug", "fix my code"},
		closest: []string{"ml-engineer-tools", "genai-developer-tools"}},
	{name: "salaries or pay", triggers: []string{"salary", "salaries", "pay", "pays", "paid", "get paid", "paying", "earn",
		"earns", "earning", "income", "compensation", "wage", "money", "make more money", "earns more", "how much do", "how much does"},
		closest: []string{"industry-demand"}},
	{name: "degrees or formal qualifications such as a PhD", triggers: []string{"phd", "ph d", "doctorate",
		"degree", "masters", "master degree", "bachelor", "bachelors", "diploma", "university", "college"},
		closest: []string{"choosing-a-career", "ml-engineer-role"}},
	{name: "certifications or courses", triggers: []string{"certification", "certificate", "certified",
		"course", "courses", "bootcamp", "udemy", "coursera"},
		closest: []string{"fastest-path-for-developers", "ml-engineer-tools"}},
	{name: "how long it takes (a timeline)", triggers: []string{"how long", "how many months", "how many years",
		"timeline", "how much time", "how quickly can"},
		closest: []string{"fastest-path-for-developers"}},
	{name: "how hard it is to learn", triggers: []string{"hard", "harder", "difficult", "difficulty",
		"tough", "how hard", "challenging"},
		closest: []string{"fastest-path-for-developers", choosingID}},
	{name: "job numbers or the job market in %s", triggers: []string{"how many jobs",
		"number of jobs", "job openings", "germany", "india", "usa", "america", "uk", "britain", "canada",
		"europe", "australia", "brazil", "china", "japan", "france", "nigeria", "pakistan", "vietnam", "country"},
		closest: []string{"industry-demand"}},
	{name: "age or when it is too late to start", triggers: []string{"what age", "too old", "too late",
		"my age", "age limit", "at my age", "age"},
		closest: []string{"fastest-path-for-developers"}},
	{name: "career progression (levels such as senior or staff)", triggers: []string{"career ladder",
		"career progression", "career growth", "promotion", "promoted", "senior level", "staff level", "levels"},
		closest: []string{"industry-demand", "ml-engineer-role"}},
	{name: "job interviews", triggers: []string{"interview", "interviews", "leetcode"},
		closest: []string{"ml-engineer-daily-work", "ml-engineer-tools"}},
	{name: "remote work", triggers: []string{"remote", "remotely", "work from home", "wfh"},
		closest: []string{"genai-developer-daily-work"}},
	{name: "working hours", triggers: []string{"hours a week", "hours per week", "how many hours", "overtime", "work life balance"},
		closest: []string{"ml-engineer-daily-work"}},
	{name: "hardware such as a laptop or GPU", triggers: []string{"laptop", "gpu", "gpus", "hardware", "computer spec"},
		closest: []string{"ml-engineer-daily-work"}},
	{name: "whether AI will replace developers", triggers: []string{"replace", "replacing", "replaced", "take over", "take our jobs"},
		closest: []string{"industry-demand"}},
	{name: "the data analyst role", triggers: []string{"data analyst", "data analysts", "analyst"},
		closest: []string{"overview", "ml-engineer-role"}, situational: true},
	{name: "the data scientist role", triggers: []string{"data scientist", "data scientists", "data science"},
		closest: []string{"ml-engineer-role", "ml-engineer-daily-work"}, situational: true},
	{name: "the data engineer role", triggers: []string{"data engineer", "data engineers", "data engineering"},
		closest: []string{"ml-engineer-daily-work", "ml-engineer-role"}, situational: true},
	{name: "prompt engineering as a role", triggers: []string{"prompt engineer", "prompt engineers", "prompt engineering"},
		closest: []string{"genai-developer-role", "overview"}, situational: true},
	{name: "the MLOps or DevOps role", triggers: []string{"mlops", "devops engineer", "devops engineers", "devops role"},
		closest: []string{"ml-engineer-tools", "genai-developer-tools"}, situational: true},
	{name: "the AI researcher role", triggers: []string{"ai researcher", "research scientist", "researcher role"},
		closest: []string{"ml-engineer-role"}, situational: true},
	{name: "the product manager role", triggers: []string{"product manager role", "ai product manager"},
		closest: []string{"overview"}, situational: true},
	{name: "which companies are hiring", triggers: []string{"hiring at", "hire junior", "hiring junior",
		"google hiring", "google hire", "anthropic hiring", "anthropic hire", "openai hiring", "openai hire",
		"meta hiring", "amazon hiring", "microsoft hiring", "apple hiring", "work at google", "work at openai",
		"job at google", "job at openai", "internship", "internships"},
		closest: []string{"industry-demand"}},
}

// uncoveredNames are tools and things the article never names, spelled as
// a reply should name them. A question about one of them is out of scope;
// the section keywords above point it at the closest part of the article.
var uncoveredNames = map[string]string{
	"kubernetes": "Kubernetes", "k8s": "Kubernetes", "langchain": "LangChain", "llamaindex": "LlamaIndex",
	"pandas": "pandas", "scikit": "scikit-learn", "sklearn": "scikit-learn", "jupyter": "Jupyter",
	"azure": "Azure", "gcp": "Google Cloud (GCP)", "spark": "Spark", "hadoop": "Hadoop", "keras": "Keras",
	"huggingface": "Hugging Face", "hugging": "Hugging Face", "mlflow": "MLflow", "airflow": "Airflow",
	"tableau": "Tableau", "excel": "Excel", "matlab": "MATLAB", "julia": "Julia", "rust": "Rust",
	"golang": "Go", "java": "Java", "kotlin": "Kotlin", "swift": "Swift", "flutter": "Flutter",
	"angular": "Angular", "vue": "Vue", "django": "Django", "flask": "Flask", "fastapi": "FastAPI",
	"pinecone": "Pinecone", "weaviate": "Weaviate", "chroma": "Chroma", "postgres": "Postgres",
	"mongodb": "MongoDB", "snowflake": "Snowflake", "databricks": "Databricks", "sagemaker": "SageMaker",
	"sql": "SQL", "cuda": "CUDA", "nvidia": "NVIDIA", "claude": "Claude", "gemini": "Gemini", "llama": "Llama",
	"mistral": "Mistral", "copilot": "Copilot", "midjourney": "Midjourney", "terraform": "Terraform",
}
