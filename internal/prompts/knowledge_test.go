package prompts

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rolefit/rolefit/internal/originality"
)

// sectionIDs is the contract other packages rely on, in article order.
var sectionIDs = []string{
	"overview",
	"analogy-pizza-restaurant",
	"ml-engineer-role",
	"ml-engineer-daily-work",
	"ml-engineer-tools",
	"genai-developer-role",
	"genai-developer-applications",
	"genai-developer-daily-work",
	"genai-developer-tools",
	"choosing-a-career",
	"industry-demand",
	"fastest-path-for-developers",
	"remember-the-difference",
}

func TestSections(t *testing.T) {
	sections := Sections()
	var got []string
	for _, s := range sections {
		got = append(got, s.ID)
	}
	if !slices.Equal(got, sectionIDs) {
		t.Fatalf("section ids:\n got %v\nwant %v", got, sectionIDs)
	}
	for _, s := range sections {
		t.Run(s.ID, func(t *testing.T) {
			if strings.TrimSpace(s.Title) == "" {
				t.Error("empty title")
			}
			if strings.TrimSpace(s.Body) == "" {
				t.Error("empty body")
			}
			if strings.HasPrefix(s.Body, "# ") || strings.Contains(s.Body, "\n# ") {
				t.Error("body holds a top-level heading; only the title line may")
			}
			found, ok := LookupSection(s.ID)
			if !ok || found != s {
				t.Errorf("LookupSection(%q) = %+v, %v; want the section, true", s.ID, found, ok)
			}
		})
	}
}

func TestSectionsReturnsCopy(t *testing.T) {
	Sections()[0].Title = "changed"
	if Sections()[0].Title == "changed" {
		t.Error("changing the returned slice changed the knowledge base")
	}
}

func TestLookupSectionUnknown(t *testing.T) {
	for _, id := range []string{"", "salary", "Overview", "01-overview"} {
		if s, ok := LookupSection(id); ok {
			t.Errorf("LookupSection(%q) = %+v, true; want false", id, s)
		}
	}
}

func TestParseSections(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Section
		wantErr string
	}{
		{
			name: "valid files in name order, CRLF and extra files tolerated",
			files: fstest.MapFS{
				"k/02-second.md": file("# Second\r\n\r\nBody two.\r\n"),
				"k/01-first.md":  file("# First\n\n- a\n- b\n"),
				"k/README.txt":   file("not a section"),
			},
			want: []Section{
				{ID: "first", Title: "First", Body: "- a\n- b"},
				{ID: "second", Title: "Second", Body: "Body two."},
			},
		},
		{name: "no files", files: fstest.MapFS{"k/x.txt": file("x")}, wantErr: "no knowledge files"},
		{name: "missing number", files: fstest.MapFS{"k/first.md": file("# T\nB")}, wantErr: "want a name like"},
		{name: "one-digit number", files: fstest.MapFS{"k/1-first.md": file("# T\nB")}, wantErr: "want a name like"},
		{name: "uppercase id", files: fstest.MapFS{"k/01-First.md": file("# T\nB")}, wantErr: "want a name like"},
		{name: "no title line", files: fstest.MapFS{"k/01-a.md": file("Title\nBody")}, wantErr: "first line"},
		{name: "empty title", files: fstest.MapFS{"k/01-a.md": file("# \nBody")}, wantErr: "first line"},
		{name: "empty body", files: fstest.MapFS{"k/01-a.md": file("# Title\n\n  \n")}, wantErr: "empty body"},
		{
			name:    "duplicate number",
			files:   fstest.MapFS{"k/01-a.md": file("# A\nx"), "k/01-b.md": file("# B\ny")},
			wantErr: "duplicate",
		},
		{
			name:    "duplicate id",
			files:   fstest.MapFS{"k/01-a.md": file("# A\nx"), "k/02-a.md": file("# B\ny")},
			wantErr: "duplicate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSections(tt.files, "k")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMustParseSectionsPanicsOnMalformedFile(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a malformed knowledge file")
		}
	}()
	mustParseSections(fstest.MapFS{"k/01-a.md": {Data: []byte("no title")}}, "k")
}

// TestKnowledgeCoversArticle lists the article's facts; each must survive
// the rewording somewhere in the knowledge base.
func TestKnowledgeCoversArticle(t *testing.T) {
	facts := []string{
		// Overview.
		"ChatGPT", "images", "code", "summar", "everyday", "same goal", "two key roles",
		// Analogy.
		"pizza", "chef", "recipes", "ingredients", "tastes great", "restaurant owner", "staff",
		"website", "menu", "online orders", "great experience", "no pizza", "intelligence",
		// ML Engineer.
		"learn from data", "millions", "books", "articles", "videos", "conversations", "patterns",
		"intelligent responses", "cleaning", "Training AI models", "accuracy", "performance", "recipe right",
		"fine-tun", "Python", "PyTorch", "TensorFlow", "NumPy", "AWS",
		// Gen AI Application Developer.
		"GPT", "real-world applications", "resume", "customer support", "coding assistant",
		"search", "web or mobile", "APIs", "user interfaces", "databases", "cloud", "React",
		"Node.js", "OpenAI APIs", "vector database", "RAG", "Docker", "enjoy the meal",
		// Choosing, demand and the way in.
		"mathematical", "from scratch", "working with data", "building websites", "developing software",
		"what you find more exciting", "OpenAI", "Anthropic", "Google", "businesses", "high demand",
		"exciting", "impactful", "smarter applications", "software developer", "JavaScript",
		"fastest", "practical", "AI industry", "builds products that use AI", "builds the AI",
	}
	var all strings.Builder
	for _, s := range Sections() {
		all.WriteString(s.Title + "\n" + s.Body + "\n")
	}
	kb := strings.ToLower(all.String())
	for _, fact := range facts {
		t.Run(fact, func(t *testing.T) {
			if !strings.Contains(kb, strings.ToLower(fact)) {
				t.Errorf("the knowledge base never mentions %q", fact)
			}
		})
	}
}

// TestKnowledgeDoesNotCopyArticle keeps the knowledge base a restatement:
// no run of originality.RunWords words from the article may appear in a
// knowledge file.
func TestKnowledgeDoesNotCopyArticle(t *testing.T) {
	files, err := knowledgeFiles.ReadDir("knowledge")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Name(), func(t *testing.T) {
			data, err := knowledgeFiles.ReadFile("knowledge/" + f.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range originality.Copied(string(data)) {
				t.Errorf("copies the article verbatim: %q", run)
			}
		})
	}
}

func TestSourceCredit(t *testing.T) {
	want := `"Gen AI Application Developer vs ML Engineer: What's the Difference?" by Sarthak Thakare, DEV Community`
	if got := Source().Credit(); got != want {
		t.Errorf("Credit() = %s\nwant %s", got, want)
	}
}
