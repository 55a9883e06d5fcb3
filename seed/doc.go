// Package seed holds the reference data shipped inside the binary: the boundary sets
// longxuyen-2023 and angiang-2025 (GeoJSON), the Vietnamese holiday calendar, the default
// category catalog with its deadlines and privacy rules, and the city-level units. cmd/phananh
// reads it at every start: it imports the boundary set and the categories into a fresh store,
// refreshes the city units, and builds the working calendar from the holiday file unless
// HOLIDAYS_FILE replaces it.
package seed
