"""Model adapters: any CNN (torchvision's, timm's, a user's module) described by rules, so
that zoo.py's registry can hand every layer a ModelSpec."""
