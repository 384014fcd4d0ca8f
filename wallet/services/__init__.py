"""Writes for the wallet, by sub-domain: family, wallets, transfers, payments."""
