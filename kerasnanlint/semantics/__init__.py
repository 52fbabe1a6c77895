"""What a module means, computed once per file and shared by every check."""
