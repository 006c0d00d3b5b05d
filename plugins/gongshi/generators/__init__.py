"""One module per page family; each exports GENERATORS = [GeneratorClass, ...]."""
