"""Field-level encryption: see supportdesk/vault/fields.py for how a model declares its fields."""
