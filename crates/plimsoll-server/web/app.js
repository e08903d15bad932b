// Placeholder: the web UI replaces this file.
