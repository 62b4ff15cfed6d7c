package fit

// The fit check's questions and texts. Every option is tied to the section
// that justifies its weights, and every text restates the article in our
// own words; fit_test.go checks both.
//
// Weights: 3 for an answer the article ties directly to one role, 2 for a
// softer sign (the pizza analogy is a metaphor; working with data is named
// for ML Engineering but, unlike writing software, with no shortcut into the
// role attached), 1/1 for an answer that fits both roles and 0/0 for "not
// sure yet". Each question has one balanced option, so nobody has to pick a
// side they do not feel.
var fitQuestions = []Question{
	{
		ID:   "enjoy",
		Text: "Which kind of problem do you enjoy most?",
		Options: []Option{
			{ID: "math-data", Label: "Maths problems and data", ML: 3, GenAI: 0, Section: choosingID,
				Reason: "You enjoy mathematical problems and data, which the article gives as a reason to pick ML Engineering."},
			{ID: "software", Label: "Building software people use", ML: 0, GenAI: 3, Section: choosingID,
				Reason: "You like making software that people use, and the article points people like that to Gen AI Application Development."},
			{ID: "both", Label: "I like both", ML: 1, GenAI: 1, Section: choosingID,
				Reason: "You like both sides, and the article says the choice comes down to which one excites you more."},
		},
	},
	{
		ID:   "build",
		Text: "Which project would you rather spend a month on?",
		Options: []Option{
			{ID: "train-model", Label: "Training a model and making it better", ML: 3, GenAI: 0, Section: "ml-engineer-daily-work",
				Reason: "Training models and raising their performance is everyday work for an ML Engineer."},
			{ID: "build-app", Label: "A web or mobile app, its API and UI", ML: 0, GenAI: 3, Section: "genai-developer-daily-work",
				Reason: "Building web or mobile apps, designing their interfaces and wiring AI models in through APIs is a Gen AI Application Developer's daily work."},
			{ID: "either", Label: "Either sounds fun", ML: 1, GenAI: 1, Section: "remember-the-difference",
				Reason: "Both projects appeal to you, and they are the two halves of AI work: one role builds the AI, the other builds products with it."},
		},
	},
	{
		ID:   "approach",
		Text: "How would you rather work with AI?",
		Options: []Option{
			{ID: "from-scratch", Label: "Create my own models from scratch", ML: 3, GenAI: 0, Section: "ml-engineer-role",
				Reason: "You want to create AI models yourself, which is the ML Engineer's job: teaching computers to learn from large amounts of data."},
			{ID: "use-models", Label: "Build on ready models such as GPT", ML: 0, GenAI: 3, Section: "genai-developer-role",
				Reason: "You would rather build on existing models such as GPT than train your own, which is how a Gen AI Application Developer usually works."},
			{ID: "no-preference", Label: "No preference yet", ML: 0, GenAI: 0, Section: "industry-demand",
				Reason: "You have no preference yet, and the article says both careers are in high demand, so your interests can decide."},
		},
	},
	{
		ID:   "work-style",
		Text: "Which way of working suits you better?",
		Options: []Option{
			{ID: "experiment", Label: "Experimenting until results improve", ML: 3, GenAI: 0, Section: "ml-engineer-daily-work",
				Reason: "You like testing and retesting until results improve, much as an ML Engineer measures a model's accuracy and works on its performance."},
			{ID: "ship", Label: "Shipping features to real users", ML: 0, GenAI: 3, Section: "genai-developer-applications",
				Reason: "You like shipping things people use, such as the chatbots, coding assistants and summarisers the article lists as Gen AI products."},
			{ID: "mix", Label: "A mix of the two", ML: 1, GenAI: 1, Section: "analogy-pizza-restaurant",
				Reason: "You value both, and the article's restaurant needs its chef and its owner alike, just as AI needs both roles."},
		},
	},
	{
		ID:   "tools",
		Text: "Which tools have you used the most?",
		Options: []Option{
			{ID: "python-ml", Label: "Python with NumPy, PyTorch or TensorFlow", ML: 3, GenAI: 0, Section: "ml-engineer-tools",
				Reason: "You already know the ML Engineer's toolkit: the article lists Python, NumPy, PyTorch and TensorFlow."},
			{ID: "web-stack", Label: "JavaScript, React or Node.js", ML: 0, GenAI: 3, Section: "genai-developer-tools",
				Reason: "React and Node.js are part of the Gen AI Application Developer's toolkit, so you already know some of it."},
			// AWS is on both roles' tool lists, but the article names cloud
			// experience as a fast way into Gen AI development.
			{ID: "cloud", Label: "Cloud platforms such as AWS", ML: 1, GenAI: 2, Section: fastestPathID,
				Reason: "Cloud experience, for example with AWS, is one of the backgrounds the article names for a quick start as a Gen AI Application Developer."},
			{ID: "none", Label: "None of these yet", ML: 0, GenAI: 0, Section: choosingID,
				Reason: "You are new to these tools, so the choice can rest on what excites you more, as the article suggests."},
		},
	},
	{
		ID:   "background",
		Text: "Where are you starting from?",
		Options: []Option{
			{ID: "developer", Label: "I already write software", ML: 0, GenAI: 3, Section: fastestPathID,
				Reason: "You already build software, and the article calls the Gen AI route one of the quickest, most practical ways into AI for developers."},
			{ID: "data", Label: "I already work with data", ML: 2, GenAI: 0, Section: choosingID,
				Reason: "You already work with data, one of the things the article says suits people headed for ML Engineering."},
			{ID: "new", Label: "I'm new to both", ML: 0, GenAI: 0, Section: "industry-demand",
				Reason: "You are starting fresh, and the article says both careers are in high demand, so you can follow your interest."},
		},
	},
	{
		ID:   "analogy",
		Text: "If AI were a pizza restaurant, which job would you take?",
		Options: []Option{
			{ID: "chef", Label: "The chef, perfecting the recipes", ML: 2, GenAI: 0, Section: "analogy-pizza-restaurant",
				Reason: "You picked the chef, who in the article's analogy stands for the ML Engineer building and improving the AI."},
			{ID: "owner", Label: "The owner, running the restaurant", ML: 0, GenAI: 2, Section: "analogy-pizza-restaurant",
				Reason: "You picked the restaurant owner, who in the article's analogy stands for the Gen AI Application Developer building apps around the AI."},
			{ID: "both", Label: "Hard to say", ML: 1, GenAI: 1, Section: "analogy-pizza-restaurant",
				Reason: "You could see yourself in either job, and the article's restaurant needs both, just as AI products do."},
		},
	},
}

// fitOutcome is what a result says for one of the three outcomes.
type fitOutcome struct {
	title, summary string
	// fallback reasons fill the list up to minFitReasons when too few
	// answers leaned towards the result.
	fallback   []Reason
	firstSteps []Step
}

var fitOutcomes = map[string]fitOutcome{
	MLEngineer: {
		title:   "Machine Learning Engineer",
		summary: "Your answers lean towards creating the AI itself: working with data, training models and making them better. In the article's pizza restaurant, that is the chef's side of the work.",
		fallback: []Reason{
			{"The article sums up the ML Engineer as the one who builds the AI, and that is where your answers point.", "remember-the-difference"},
		},
		firstSteps: []Step{
			{"Learn Python and NumPy, the base of the ML Engineer's toolkit.", "ml-engineer-tools"},
			{"Train a small model with PyTorch or TensorFlow, then test how accurate it is.", "ml-engineer-daily-work"},
			{"Practise gathering a dataset and cleaning it before you train on it.", "ml-engineer-daily-work"},
			{"Fine-tune a model that already exists and check whether its performance improves.", "ml-engineer-daily-work"},
		},
	},
	GenAIDeveloper: {
		title:   "Gen AI Application Developer",
		summary: "Your answers lean towards building products people use on top of existing AI models. In the article's pizza restaurant, that is the owner's side of the work.",
		fallback: []Reason{
			{"The article sums up the Gen AI Application Developer as the one who builds products with AI, and that is where your answers point.", "remember-the-difference"},
		},
		firstSteps: []Step{
			{"Pick a small project like the article's examples, such as a document summariser or a support chatbot.", "genai-developer-applications"},
			{"Build it as a web app with React and Node.js.", "genai-developer-tools"},
			{"Connect the app to a model through the OpenAI API.", "genai-developer-daily-work"},
			{"Add RAG with a vector database to your project.", "genai-developer-tools"},
			{"Package it with Docker and deploy it to AWS.", "genai-developer-daily-work"},
		},
	},
	Either: {
		title:   "Either could fit",
		summary: "Your answers fit both roles about equally. The article says the choice comes down to what excites you more: creating AI models or building apps powered by them.",
		fallback: []Reason{
			{"The article says the deciding question is whether creating AI models or building apps with AI excites you more.", choosingID},
			{"Both careers are in high demand, according to the article, so neither is a poor pick.", "industry-demand"},
		},
		firstSteps: []Step{
			{"Try the ML Engineer's side: train and test a small model with PyTorch or TensorFlow.", "ml-engineer-daily-work"},
			{"Try the Gen AI side: build a small web app that calls a model through the OpenAI API.", "genai-developer-tools"},
			{"Notice which of the two excited you more; the article says that is what should decide.", choosingID},
			{"If you already write software, start with the Gen AI project: the article calls it a fast way in for developers.", fastestPathID},
		},
	},
}

// fitTippingBase says what would settle an "either" result.
const fitTippingBase = "Trying both would settle it: if training and improving a model excites you more, lean towards Machine Learning Engineer; if building an app people use on top of an existing model does, lean towards Gen AI Application Developer."

// The sections the fit texts lean on most.
const (
	choosingID    = "choosing-a-career"
	fastestPathID = "fastest-path-for-developers"
)
