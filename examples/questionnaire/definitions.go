package questionnaire

// Item is one question of a questionnaire and the range of its answer.
type Item struct {
	Text string `json:"text"`
	Min  int    `json:"min"`
	Max  int    `json:"max"`
}

// Definition is a questionnaire as the patient's app shows it.
type Definition struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Items []Item `json:"items"`
}

// definitions are the instruments this example knows: two short
// validated scales, each answer scored 0 ("not at all") to 3 ("nearly
// every day").
var definitions = map[string]Definition{
	"phq-9": {ID: "phq-9", Title: "Patient Health Questionnaire", Items: scale(
		"Little interest or pleasure in doing things",
		"Feeling down, depressed, or hopeless",
		"Trouble falling or staying asleep, or sleeping too much",
		"Feeling tired or having little energy",
		"Poor appetite or overeating",
		"Feeling bad about yourself",
		"Trouble concentrating on things",
		"Moving or speaking slowly, or being restless",
		"Thoughts that you would be better off dead",
	)},
	"gad-7": {ID: "gad-7", Title: "Generalized Anxiety Disorder scale", Items: scale(
		"Feeling nervous, anxious, or on edge",
		"Not being able to stop or control worrying",
		"Worrying too much about different things",
		"Trouble relaxing",
		"Being so restless that it is hard to sit still",
		"Becoming easily annoyed or irritable",
		"Feeling afraid as if something awful might happen",
	)},
}

func scale(texts ...string) []Item {
	items := make([]Item, len(texts))
	for i, t := range texts {
		items[i] = Item{Text: t, Min: 0, Max: 3}
	}
	return items
}
