"""Dynamic providers: thin translations between Pulumi and the client. Module paths are API: state
pickles the provider classes by reference, so moving them breaks existing stacks."""
