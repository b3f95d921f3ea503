"""The guided conversation: overview, one page per life domain, closing step, autosave."""
