"""Everything that reads prompts/: templates, rubric packs and plain-text rendering."""
