"""Resource plugins: NodeResourcesFit and NodeResourcesBalancedAllocation."""
