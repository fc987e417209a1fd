package main

// APIConfig configures the HTTP API (the api: section of the config).
type APIConfig struct {
	Listen string `yaml:"listen"`
}
