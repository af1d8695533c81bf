"""Understanding a citizen message: normalisation, language, spelling, separable verbs,
word stems, personal data and follow-ups — everything read from the text before any search."""
