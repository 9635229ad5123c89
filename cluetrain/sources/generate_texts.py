"""Text templates of the synthetic stream (generate.py), as data.

CUSTOMER_EN / CUSTOMER_FR: customers' texts by category (complaint, sarcasm, question,
praise, followup, thanks, unhappy); complaint, sarcasm and question are keyed further
by the brand's domain (French: "rail", and "_" for any other domain). BRAND_EN /
BRAND_FR: the brand's answers by kind (ack, praise, welcome, again, part2). PEER /
PEER_THANKS: other customers' replies and the thanks for them, by language. `{n}` (a
digit 1-9), `{city}` (one of CITIES) and `{g}` (a letter A-E) are filled in at random.

The order of every list is part of the output: a seed picks by position, so editing,
adding or reordering a template changes the stream of every seed.
"""
CUSTOMER_EN = {
    "complaint": {
        "airline": [
            "flight delayed again, {n} hours at the gate and no information",
            "my bag didn't make it to {city}. Third time this year",
            "you cancelled my flight and the rebooking line hangs up on me",
            "still waiting at the gate, crew nowhere to be seen",
            "worst boarding process ever, total chaos at gate {g}",
        ],
        "telecom": [
            "internet down since this morning, {n} days this week",
            "I've been charged twice on my bill and nobody can explain why",
            "no signal at all in {city}, paying for nothing",
            "your technician never showed up. Took a day off for this",
            "speeds are a joke, {n} Mbps on a 500 Mbps plan",
        ],
        "bank": [
            "my card was blocked abroad and I can't reach anyone",
            "a transfer of {n}00 has been pending for a week",
            "the app logs me out every time I try to pay",
            "I was charged a fee I never agreed to",
            "still no new card after {n} weeks",
        ],
        "rail": [
            "train to {city} cancelled with no warning",
            "delayed {n}0 minutes again, I'll miss my connection",
        ],
        "gaming": [
            "servers down again right in the middle of a match",
            "my console won't update, error {g}{n}{n}",
            "bought a game and it's not showing in my library",
            "online has been lagging for {n} days",
            "controller drift after {n} months, not happy",
        ],
        "retail": [
            "my order never arrived, tracking says delivered",
            "{n} items missing from my delivery again",
            "refund still not received after {n} weeks",
            "the milk in my order expired yesterday",
            "the store in {city} had half the shelves empty",
        ],
    },
    "sarcasm": {
        "airline": [
            "oh great, flight delayed AGAIN. Love spending my weekend at the airport 🙃",
            "thanks for the {n} hour tour of the terminal, truly a highlight",
        ],
        "telecom": [
            "love paying for internet that works one day out of {n} 👏",
            "wow, {n} hours of hold music. Best customer service ever",
        ],
        "bank": [
            "so glad my card gets blocked every time I buy a coffee. Great security 🙄",
            "amazing, another surprise fee. You really know how to treat customers",
        ],
        "rail": ["great, another delay. What a surprise"],
        "gaming": [
            "servers down on launch day, what a shock 🙃",
            "nice, a {n} GB update just to crash on the menu",
        ],
        "retail": [
            "love how my 'next day' delivery takes {n} days 👍",
            "great substitutions today: shampoo instead of bananas",
        ],
    },
    "question": {
        "airline": [
            "can I change my flight to {city} online?",
            "how much is an extra bag on the flight tomorrow?",
            "is there wifi on the {city} route?",
        ],
        "telecom": [
            "is there an outage in {city} right now?",
            "how do I upgrade my plan?",
            "when will fibre be available in {city}?",
        ],
        "bank": [
            "how do I raise my card limit?",
            "is the app down? I can't log in",
            "can I open an account online?",
        ],
        "rail": ["is the {n}h train to {city} running?"],
        "gaming": [
            "how do I transfer my saves to the new console?",
            "is there a known issue with party chat?",
        ],
        "retail": [
            "do you deliver to {city}?",
            "what time does the {city} store open on Sunday?",
            "can I return an item without the receipt?",
        ],
    },
    "praise": [
        "huge thanks to the crew today, amazing service!",
        "great experience today, well done team 👏",
        "love the new app, so much better",
        "shout out to your staff, they were fantastic",
    ],
    "followup": [
        "still waiting for an answer...",
        "hello?? anyone there?",
        "any update on this?",
        "it's been hours and still nothing",
        "why is nobody answering?",
        "sent you a DM, no reply yet",
    ],
    "thanks": [
        "thanks, that fixed it!",
        "great, thank you for the quick help 🙏",
        "perfect, thanks a lot",
        "ok thanks, much appreciated",
    ],
    "unhappy": [
        "that didn't help at all",
        "still not working, this is ridiculous",
        "I already did that twice. Still broken",
        "not good enough, I want a refund",
    ],
}
CUSTOMER_FR = {
    "complaint": {
        "rail": [
            "train pour {city} encore en retard de {n}0 minutes, c'est inadmissible",
            "TGV supprimé sans prévenir, je suis bloqué à {city}",
            "toujours pas de remboursement pour mon billet annulé",
            "aucune information en gare, personne pour nous aider",
            "clim en panne dans la voiture {n}, on étouffe",
        ],
        "_": [
            "ça ne marche toujours pas, c'est n'importe quoi",
            "service client inexistant, je suis très déçu",
            "commande jamais reçue, c'est scandaleux",
            "vol retardé encore une fois, aucune explication",
        ],
    },
    "sarcasm": {
        "rail": [
            "bravo, encore une panne, quelle surprise 👏",
            "merci pour ce magnifique retard de {n} heures, vraiment génial 🙃",
        ],
        "_": ["super, encore un problème. Merci vraiment 🙄"],
    },
    "question": {
        "rail": [
            "bonjour, comment obtenir un remboursement pour mon billet ?",
            "le train de {n}h pour {city} circule-t-il aujourd'hui ?",
            "peut-on échanger un billet Prem's ?",
        ],
        "_": ["bonjour, pouvez-vous m'aider avec ma commande ?"],
    },
    "praise": [
        "merci au contrôleur du train pour {city}, super sympa !",
        "trajet parfait aujourd'hui, bravo 👏",
        "excellent service, merci beaucoup",
    ],
    "followup": [
        "toujours aucune réponse…",
        "allô ? il y a quelqu'un ?",
        "des nouvelles ? j'attends toujours",
        "ça fait des heures, toujours rien",
    ],
    "thanks": [
        "merci beaucoup pour votre réponse rapide !",
        "parfait, merci !",
        "c'est réglé, merci pour votre aide 🙏",
    ],
    "unhappy": [
        "ça ne m'aide pas du tout",
        "toujours en panne, c'est lamentable",
        "réponse inutile, je suis vraiment déçu",
    ],
}
BRAND_EN = {
    "ack": [
        "Sorry to hear that. Can you DM us your reference so we can take a look?",
        "We're sorry for the trouble. Please send us a DM with your details and we'll help.",
        "Apologies for this. We're looking into it now, please follow us and DM your account number.",
        "That's not the experience we want for you. Could you tell us a bit more?",
        "Thanks for reaching out. We're aware of the issue and working on a fix.",
    ],
    "praise": [
        "Thanks so much for the kind words! We'll pass them on to the team 😊",
        "Love to hear it, thanks for sharing!",
    ],
    "welcome": [
        "You're welcome! Glad we could help.",
        "Happy to help, have a great day!",
    ],
    "again": [
        "Sorry it's still not sorted. We've escalated this, you'll hear from us soon.",
        "We understand your frustration. A specialist will contact you by DM.",
    ],
    "part2": [
        "In the meantime you can check the status page for updates.",
        "You can also find more help in the app under Settings.",
    ],
}
BRAND_FR = {
    "ack": [
        "Bonjour, nous sommes désolés pour ce désagrément. Pouvez-vous nous envoyer votre référence en message privé ?",
        "Nous comprenons votre agacement. Nous regardons cela tout de suite.",
        "Bonjour, toutes nos excuses. Pouvez-vous nous préciser votre numéro de dossier ?",
    ],
    "praise": ["Merci beaucoup pour ce retour, nous transmettons à l'équipe 😊"],
    "welcome": ["Avec plaisir, bon voyage !", "Avec plaisir, belle journée !"],
    "again": ["Désolés que ce ne soit pas réglé. Nous avons transmis votre dossier au service concerné."],
    "part2": ["Vous pouvez aussi suivre l'info trafic en temps réel sur notre appli."],
}
PEER = {
    "en": [
        "same here, it's been like this since this morning",
        "try restarting it, worked for me",
        "had the same problem last week, DM them and they sorted it",
        "you're not alone 🙄",
        "+1, same issue in {city}",
    ],
    "fr": [
        "pareil pour moi depuis ce matin",
        "essayez de redémarrer, ça a marché pour moi",
        "même problème hier, courage",
        "idem à {city} 😤",
    ],
}
PEER_THANKS = {"en": ["thanks, will try that", "ok good to know, thanks"], "fr": ["merci, je vais essayer", "ok merci"]}
CITIES = ["London", "Paris", "Lyon", "Manchester", "Boston", "Denver", "Lille", "Leeds", "Nantes", "Chicago"]
