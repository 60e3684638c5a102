"""Customer confirmation: "Is your problem solved?" links, answers and survey results."""
