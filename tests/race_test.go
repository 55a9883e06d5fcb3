//go:build race

package tests

// raceBuild makes the server binary carry the race detector when the tests do.
const raceBuild = true
