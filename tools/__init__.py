"""Development tools: regenerating baselines, proving the plan's claims."""
