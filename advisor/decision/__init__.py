"""From evidence and a device to a ranked, explained recommendation, and its export."""
