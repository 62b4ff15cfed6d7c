package offline

// sectionWords is what an answer says around a section, in Rolefit's own
// words but only restating the section.
type sectionWords struct {
	short string // one sentence that answers "what does this section say?"
	about string // the section as a noun phrase: "what ML Engineers do every day"
	// item, for list sections, names one list item: "%s" is the item.
	item string
}

var sectionText = map[string]sectionWords{
	"overview": {
		short: "Nearly every AI application has two key roles behind it, the ML Engineer (Machine Learning Engineer) and the Gen AI Application Developer (Generative AI Application Developer): they share the same goal but are responsible for very different things.",
		about: "who builds AI products"},
	"analogy-pizza-restaurant": {
		short: "The article compares the two roles to a pizza restaurant: the ML Engineer is the chef, who makes the pizza (builds the AI model and keeps improving it), and the Gen AI Application Developer is the restaurant owner, who builds everything customers use around it (applications that use the AI).",
		about: "the pizza restaurant analogy"},
	"ml-engineer-role": {
		short: "An ML Engineer makes computers learn from data: they gather huge amounts of it (millions of conversations, books, articles, images and videos) and use it to train AI models.",
		about: "what an ML Engineer does"},
	"ml-engineer-daily-work": {
		short: "An ML Engineer's day-to-day work is collecting and cleaning data, training AI models, testing their accuracy, improving their performance and fine-tuning existing models.",
		about: "an ML Engineer's day-to-day work",
		item:  "the article lists “%s” among an ML Engineer's day-to-day tasks"},
	"ml-engineer-tools": {
		short: "ML Engineers usually work with Python, PyTorch, TensorFlow, NumPy and AWS.",
		about: "the tools ML Engineers use",
		item:  "the article lists %s among the ML Engineer's tools"},
	"genai-developer-role": {
		short: "A Gen AI Application Developer usually does not build or train the AI model: they build on powerful existing models such as GPT and turn them into real-world applications.",
		about: "what a Gen AI Application Developer does"},
	"genai-developer-applications": {
		short: "Gen AI Application Developers build AI products such as customer support chatbots, AI coding assistants, AI resume reviewers, AI-powered search applications and document summarisers.",
		about: "what Gen AI Application Developers build",
		item:  "the article lists %s among the products Gen AI Application Developers build"},
	"genai-developer-daily-work": {
		short: "A Gen AI Application Developer's day-to-day work is building web or mobile apps, designing user interfaces, connecting AI models to the app through APIs, managing databases and deploying apps to the cloud.",
		about: "a Gen AI Application Developer's day-to-day work",
		item:  "the article lists “%s” in a Gen AI Application Developer's day-to-day work"},
	"genai-developer-tools": {
		short: "Gen AI Application Developers commonly work with Python, React and Node.js, OpenAI APIs, RAG and vector databases, Docker and AWS.",
		about: "the tools Gen AI Application Developers use",
		item:  "the article lists %s among the Gen AI Application Developer's tools"},
	choosingID: {
		short: "It comes down to what excites you more: Machine Learning Engineering suits people who like building AI models from scratch, working with data and solving mathematical problems; Gen AI Application Development suits people who like creating APIs, building websites, developing software and putting AI into everyday products.",
		about: "how to choose between the two careers"},
	"industry-demand": {
		short: "Both careers are in high demand; because companies such as OpenAI, Anthropic and Google already offer powerful models, many businesses now look for developers who build useful AI applications rather than train brand-new models from scratch.",
		about: "demand for both roles"},
	fastestPathID: {
		short: "If you already write software (Python, JavaScript, Node.js, React or a cloud platform such as AWS), the Gen AI Application Developer route is one of the fastest and most practical ways into the AI industry.",
		about: "the fastest way into AI for software developers"},
	"remember-the-difference": {
		short: "The ML Engineer builds the AI; the Gen AI Application Developer builds products that use AI.",
		about: "the difference between the two roles"},
}
