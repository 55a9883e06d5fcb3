// Package seed holds the reference data shipped inside the binary: boundary sets, the holiday
// calendar, the default category catalog and city-level units.
package seed
