def envoyer(s, données):  # « café » 🎉
    try:
        s.send("Zoë 🎉 𝄞".encode() + données)
    except:  # want PY301 "bare except"
        pass
