//go:build race

package app_test

// raceBuild scales the random-sequence tests down under the race detector, which slows each step
// several times over (CI runs this package with it); a plain go test runs them at full size.
const raceBuild = true
