"""Étiquettes: « café », « naïve », 🎉 and 𝄞 come before the findings."""


def purge(étiquettes):
    for é in étiquettes:
        if é in ("", "🎉"): étiquettes.remove(é)  # want PY101 "removing from étiquettes"


def purge_map(mots):  # 𝄞 mots → compteurs
    for clé, n in mots.items():
        if n == 0: del mots[clé]  # want PY101 "dictionary changed size"
