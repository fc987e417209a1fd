package supervise

import "time"

// Delivery records what happened to one alert sent to one webhook.
type Delivery struct {
	ID       string    `json:"id"` // finding id + hook name + time
	Hook     string    `json:"hook"`
	Finding  string    `json:"finding"`
	Severity string    `json:"severity"`
	Org      string    `json:"org,omitempty"`
	Outcome  string    `json:"outcome"` // delivered, failed, dropped
	Attempts int       `json:"attempts"`
	Code     int       `json:"code,omitempty"` // last HTTP status
	Error    string    `json:"error,omitempty"`
	Queued   time.Time `json:"queued"`
	Done     time.Time `json:"done"`
}
