"""The demo organisation's course catalogue: real, short courses a Scandinavian company would run.

Plain data, read by demo.py. Each course: title, category, minutes, language, summary and modules
(kind, title, body, extra); a quiz's extra holds its pass mark and questions
(kind, text, [(answer, is_correct, feedback)]).
"""

from __future__ import annotations

INFOSEC = {
    "title": "Information security basics",
    "category": "Compliance",
    "minutes": 35,
    "language": "en",
    "summary": (
        "Most attacks on a company start with a person, not a server. In 35 minutes you learn to recognise "
        "phishing, keep your accounts safe with strong passwords and multi-factor authentication, and know "
        "exactly what to do when something looks wrong.\n\n"
        "**Required for everyone at Fjordhavn in their first month.**"
    ),
    "modules": [
        ("text", "Why attackers target people", """\
Criminals rarely break in through the firewall. It is cheaper to ask someone to open the door.
More than eight in ten security incidents involve a human step: a click on a link, a password typed
into a fake page, an invoice paid to a new bank account.

That does not make people the weakest link. It makes every one of us part of the defence.
A colleague who reports a strange e-mail within minutes can stop an attack that has reached
fifty inboxes.

In this course you will learn to:

1. recognise the signs of phishing and other social engineering,
2. protect your accounts with a password manager and multi-factor authentication,
3. work safely on the move and at home,
4. report quickly, without worrying about being wrong.
""", {}),
        ("text", "Spotting phishing", """\
Phishing messages try to make you act before you think. Look for these signs:

- **Urgency or fear**: "Your account will be closed today", "The CEO needs this in ten minutes".
- **A sender that is almost right**: `fjordhavn-group.com` instead of `fjordhavn.example`, or a
  display name you know with an address you do not.
- **A request that breaks the normal process**: new bank details for a supplier, gift cards,
  a password "for verification".
- **Links that do not go where they say**: hover over a link (or press and hold on a phone) to see
  the real address before you open it.
- **Unexpected attachments**, especially archives, macros or "scanned documents".

When in doubt, do not reply to the message. Contact the person through a channel you already
know: their phone number in the directory, or a new e-mail you type yourself.

### Vishing and smishing

The same tricks arrive by phone and text message. IT will never ask for your password or an
approval code by phone. Hang up and call the service desk on **+45 70 20 30 40**.
""", {}),
        ("text", "Passwords and multi-factor authentication", """\
A strong password is long, unique and stored in the company password manager. You only need to
remember one good passphrase, for example four unrelated words: `harbour violet tractor sixteen`.

**Never reuse a work password anywhere else.** When another site is breached, attackers try the
same e-mail and password on Microsoft 365, VPNs and payroll systems within hours.

Multi-factor authentication (MFA) stops most account takeovers even when a password leaks. Use the
authenticator app, and:

- approve a sign-in **only** when you have just started it yourself,
- if you get prompts you did not expect, deny them and report it: someone has your password,
- never read an MFA code aloud to anyone.
""", {}),
        ("text", "Working safely outside the office", """\
- Lock your screen whenever you leave it (Windows: `Win + L`, Mac: `Ctrl + Cmd + Q`).
- Use the company VPN on public Wi-Fi, and prefer your phone's hotspot to café networks.
- Keep customer data in approved systems (SharePoint, the CRM), not on USB sticks or private cloud
  storage.
- Report a lost or stolen laptop or phone at once, even at night: the device can be wiped remotely,
  but only if we know.
""", {}),
        ("quiz", "Check your knowledge", "Six questions. You need 80% to pass and have three attempts.", {
            "pass_mark": 80, "max_attempts": 3, "questions": [
                ("single", "An e-mail from “Finance” asks you to approve a supplier's new bank account today. "
                           "What do you do?", [
                    ("Approve it: finance is always busy at month end.", False,
                     "Changed bank details are the classic invoice fraud. Always verify."),
                    ("Reply to the e-mail and ask if it is genuine.", False,
                     "If the mailbox is compromised or spoofed, the attacker answers your reply."),
                    ("Call the supplier on a number you already have and follow the finance process.", True,
                     "Right: verify through a channel you already trust."),
                ]),
                ("multiple", "Which of these are warning signs of phishing?", [
                    ("Pressure to act immediately", True, "Yes: urgency stops you from thinking."),
                    ("A link whose real address differs from its text", True, "Yes: always check before opening."),
                    ("A message from a colleague about a meeting you both planned", False,
                     "An expected, ordinary message is not a warning sign in itself."),
                    ("A request for your password “for verification”", True,
                     "Yes: nobody legitimate asks for it."),
                ]),
                ("true_false", "IT may call you and ask for your MFA code to fix your account.", [
                    ("True", False, "IT never asks for codes or passwords. Hang up and report it."),
                    ("False", True, "Correct: an MFA code is for you alone."),
                ]),
                ("single", "You receive an MFA prompt you did not start. What does it most likely mean?", [
                    ("The app is glitching; approve it to make it stop.", False,
                     "Approving lets the attacker in. This is called MFA fatigue."),
                    ("Someone knows your password. Deny it, change your password and report it.", True,
                     "Right: the password is compromised, MFA just saved you."),
                    ("Nothing; it happens to everyone.", False, "Unexpected prompts always need action."),
                ]),
                ("true_false", "Reusing your work password on a private shopping site is fine if it is long.", [
                    ("True", False, "Length does not help when the other site leaks it."),
                    ("False", True, "Correct: one password per site, kept in the password manager."),
                ]),
                ("single", "You clicked a link and typed your password before noticing the page was fake. "
                           "What now?", [
                    ("Wait and see whether anything happens.", False, "Minutes matter: report at once."),
                    ("Change your password and call the service desk straight away.", True,
                     "Right: fast reporting is the best defence, and nobody will blame you."),
                    ("Delete the e-mail so nobody else clicks it.", False,
                     "Report it instead; security can remove it from every inbox."),
                ]),
            ]}),
        ("task", "Set up your account protection", """\
Do these three things and describe briefly what you did; your manager signs it off:

1. Install the company password manager and move your work passwords into it.
2. Make sure MFA with the authenticator app is on for your Microsoft 365 account.
3. Use the **Report phishing** button in Outlook on the next suspicious e-mail (or on the test
   e-mail security sends every new hire).
""", {}),
    ],
}

GDPR = {
    "title": "GDPR basics",
    "category": "Compliance",
    "minutes": 30,
    "language": "en",
    "summary": (
        "The General Data Protection Regulation protects people's personal data in the EU. This course "
        "explains what personal data is, when we may use it, which rights people have, and what to do in "
        "the first hour after a data breach."
    ),
    "modules": [
        ("text", "What counts as personal data", """\
**Personal data** is any information about an identified or identifiable living person: a name, an
e-mail address, an employee number, a photo, a customer ID, a licence plate, an IP address.

Some data is **special category** data and needs extra protection: health, ethnic origin,
religion, trade-union membership, sexual orientation, biometric and genetic data. Sick-leave notes
are health data.

Data stays personal when you can single a person out by combining it with other information, even
if the name is removed.
""", {}),
        ("text", "When we may use personal data", """\
We need a **lawful basis** for every use of personal data. The six bases are consent, contract,
legal obligation, vital interests, public task and legitimate interests. At Fjordhavn most
processing rests on a contract (with a customer or an employee) or a legal obligation (payroll,
bookkeeping).

The principles apply every time:

- **Purpose limitation**: use data only for the purpose it was collected for.
- **Data minimisation**: collect only what you need.
- **Storage limitation**: delete it when it is no longer needed; follow the retention schedule.
- **Integrity and confidentiality**: keep it in approved systems, share it only with those who need it.
""", {}),
        ("text", "People's rights", """\
Everyone whose data we hold may ask to **see** it, **correct** it, have it **erased**, **restrict** or
**object** to its use, and receive it in a portable format.

If a customer or colleague asks about their data, do not try to answer on your own. Forward the
request the same day to **privacy@fjordhavn.example**. We must answer within one month.
""", {}),
        ("text", "A breach: the first hour", """\
A personal data breach is any loss, unauthorised access or disclosure of personal data: an e-mail
with a salary list sent to the wrong person, a lost laptop, a spreadsheet shared with "anyone with the
link".

We must notify the data protection authority **within 72 hours** of becoming aware. That clock starts
when you notice. So:

1. Report it immediately to the service desk or privacy@fjordhavn.example.
2. Contain it if you can (ask the recipient to delete the e-mail, remove the sharing link).
3. Do not investigate on your own or delete evidence.
""", {}),
        ("quiz", "GDPR quiz", "Five questions; 80% to pass.", {
            "pass_mark": 80, "max_attempts": None, "questions": [
                ("multiple", "Which of these are personal data?", [
                    ("A customer's e-mail address", True, "Yes: it identifies a person."),
                    ("An employee number", True, "Yes: it can be linked to one person."),
                    ("The total revenue of Sales Sweden last quarter", False, "No: it is about the business."),
                    ("A photo from the summer party", True, "Yes: people can be recognised."),
                ]),
                ("single", "A colleague's doctor's note is…", [
                    ("ordinary personal data", False, "Health data is a special category."),
                    ("special category data that needs extra protection", True, "Right."),
                    ("not personal data once it is scanned", False, "The format does not matter."),
                ]),
                ("true_false", "We have 72 hours from when a breach is discovered to notify the authority.", [
                    ("True", True, "Correct, so report at once."),
                    ("False", False, "It is 72 hours, counted from when we become aware."),
                ]),
                ("single", "A customer asks you what data we hold about them. What do you do?", [
                    ("Export everything from the CRM and e-mail it to them.", False,
                     "We must verify who is asking and cover all systems; let privacy handle it."),
                    ("Forward the request to privacy@fjordhavn.example the same day.", True, "Right."),
                    ("Tell them this is confidential.", False, "People have a right of access."),
                ]),
                ("true_false", "Keeping old customer lists “just in case” is fine as long as they are stored safely.", [
                    ("True", False, "Storage limitation: delete data when it is no longer needed."),
                    ("False", True, "Correct: follow the retention schedule."),
                ]),
            ]}),
    ],
}

FEEDBACK = {
    "title": "Giving feedback",
    "category": "Communication",
    "minutes": 40,
    "language": "en",
    "summary": (
        "Good feedback is specific, timely and kind, and it is a skill anyone can learn. Practise the "
        "Situation-Behaviour-Impact model, learn to receive feedback without defending, and give one "
        "piece of feedback for real this week."
    ),
    "modules": [
        ("text", "Why feedback matters", """\
People who get regular, useful feedback learn faster and are far more likely to stay. Yet most of us
wait too long, say too little, or wrap the message so well that it gets lost.

Feedback is not only about what went wrong. Specific recognition ("the way you summarised the
customer's three concerns at the start made the meeting") tells people what to keep doing, and it
is the easiest place to start.
""", {}),
        ("text", "The SBI model", """\
**Situation – Behaviour – Impact** keeps feedback factual and short:

- **Situation**: when and where. "In Tuesday's stand-up…"
- **Behaviour**: what the person did or said, observable, without judging. "…you interrupted Sara
  twice while she was explaining the delay…"
- **Impact**: what it caused, for you, the team or the customer. "…and she did not finish her point,
  so we still do not know what the blocker is."

Then stop and listen. Ask: "How did you see it?" Agree on what happens next.

Avoid labels ("you are rude", "you are always late"). They start an argument about who the person
is instead of a conversation about what happened.
""", {}),
        ("video", "Feedback in practice", "A five-minute example of an SBI conversation between a team lead and a colleague.",
         {"video_url": "https://videos.fjordhavn.example/learning/feedback-in-practice"}),
        ("text", "Receiving feedback", """\
When someone gives you feedback:

1. **Listen to the end** before you answer.
2. **Ask for an example** if it is vague: "Can you tell me when you noticed that?"
3. **Thank them**: it took courage.
4. **Decide afterwards** what you will do with it. You do not have to agree on the spot.
""", {}),
        ("quiz", "Check your understanding", "Four questions; 75% to pass.", {
            "pass_mark": 75, "max_attempts": None, "questions": [
                ("single", "Which is a description of behaviour in the SBI sense?", [
                    ("“You were disrespectful.”", False, "That is a judgement, not something observed."),
                    ("“You looked at your phone during Ali's presentation.”", True, "Right: observable."),
                    ("“You never care about the team.”", False, "A label and a generalisation."),
                ]),
                ("true_false", "Positive feedback should be as specific as critical feedback.", [
                    ("True", True, "Yes: specific recognition shows what to keep doing."),
                    ("False", False, "“Good job” is pleasant but teaches little."),
                ]),
                ("multiple", "Good ways to respond when you receive feedback:", [
                    ("Ask for an example", True, "Yes."),
                    ("Explain straight away why they are wrong", False, "Listen first; decide later."),
                    ("Thank the person", True, "Yes."),
                ]),
                ("single", "When is the best time to give feedback?", [
                    ("At the yearly review", False, "Too late to be useful."),
                    ("Soon after the situation, in private", True, "Right: timely and respectful."),
                    ("In front of the team, so everyone learns", False, "Critical feedback belongs in private."),
                ]),
            ]}),
        ("task", "Give one piece of SBI feedback", """\
This week, give one colleague a piece of feedback using SBI: recognition or something to change.
Afterwards, write down the situation, what you said and how the conversation went. Your manager
reads it and signs the task off, ideally in your next one-to-one.
""", {}),
    ],
}

LEADERSHIP = {
    "title": "First-line leadership",
    "category": "Leadership",
    "minutes": 120,
    "language": "en",
    "summary": (
        "For new team leads and managers. Make the step from colleague to leader, run one-to-ones that "
        "people look forward to, delegate so people grow, and handle a difficult conversation well."
    ),
    "modules": [
        ("text", "From colleague to leader", """\
The skills that made you good at your job are not the ones that make you a good leader. Your work is
now done **through** other people: your success is the team's success.

In your first 90 days:

- Have a **one-to-one with every person** in the first two weeks. Ask what they enjoy, what gets in
  their way and how they like to receive feedback.
- **Agree on expectations** with your own manager: what does success look like in six months?
- **Be open about the change** with former peers. Some conversations will be different now, and
  saying so out loud helps.
""", {}),
        ("text", "One-to-ones that matter", """\
A one-to-one is the employee's meeting, not a status report. Hold it every week or every other
week, for 30 minutes, and protect it: moving it once is fine, cancelling it often tells people they
come last.

A simple structure:

1. **Their topics first.** "What is on your mind?"
2. **Wellbeing and workload.** "How are you, really? What would you drop if you could?"
3. **Growth.** Once a month, talk about development, not tasks.
4. **Feedback both ways.** "What could I do differently to help you?"

Write down what you agree on and follow up next time.
""", {}),
        ("text", "Delegating well", """\
Delegation is not passing on the tasks you dislike. Give people work that stretches them, and be
clear about **the level of authority**:

1. "Look into it and report back."
2. "Recommend what we should do."
3. "Decide, and tell me what you decided."
4. "Decide and act; no need to tell me."

Agree on the result, the deadline and when you will check in. Then step back.
""", {}),
        ("text", "Difficult conversations", """\
Prepare: the facts (SBI), the impact and what you want to happen. Have the conversation soon, in
private, and start with the purpose: "I want to talk about the missed deadlines, because I want
this to work for you and for the team."

Listen more than you speak. Stay with the facts when emotions run high, and close with a clear,
written agreement and a date to follow up. Ask People & Culture for help early; you do not have to
handle it alone.
""", {}),
        ("quiz", "Leadership quiz", "Four questions; 75% to pass.", {
            "pass_mark": 75, "max_attempts": None, "questions": [
                ("single", "Whose meeting is a one-to-one?", [
                    ("The manager's: it is for status updates.", False, "Status belongs in the stand-up."),
                    ("The employee's: their topics come first.", True, "Right."),
                ]),
                ("true_false", "Cancelling one-to-ones when you are busy is harmless if you apologise.", [
                    ("True", False, "Frequent cancelling tells people they come last."),
                    ("False", True, "Correct: move it if you must, do not drop it."),
                ]),
                ("single", "You ask someone to “decide, and tell me what you decided”. That is…", [
                    ("abdication", False, "No: the authority level is explicit and you stay informed."),
                    ("a clear level of delegated authority", True, "Right."),
                ]),
                ("multiple", "Good preparation for a difficult conversation includes:", [
                    ("The facts, described as behaviour", True, "Yes."),
                    ("The outcome you want", True, "Yes."),
                    ("A list of everything the person did wrong in the past year", False,
                     "Stick to the current issue."),
                ]),
            ]}),
        ("task", "Hold your first round of one-to-ones", """\
Hold a one-to-one with each person in your team using the structure in this course. Describe what
you learned about the team and one thing you will change. Your own manager signs it off.
""", {}),
    ],
}

MEETINGS = {
    "title": "Running effective meetings",
    "category": "Communication",
    "minutes": 20,
    "language": "en",
    "summary": "Shorter meetings with clear outcomes: a purpose, an agenda, the right people and written decisions.",
    "modules": [
        ("text", "Before the meeting", """\
Ask first: does this need a meeting? A decision that needs discussion does; an update usually does
not.

If it does, write the **purpose** in the invitation ("Decide which supplier we choose for Malmö"),
invite only the people who are needed to reach it, and book 25 or 50 minutes rather than 30 or 60, so
people can get to their next meeting.
""", {}),
        ("text", "During and after", """\
Start on time, restate the purpose and keep a visible list of decisions and actions: who does what
by when. Close five minutes early to read that list aloud.

Send the list within the day. A meeting without written decisions tends to happen twice.
""", {}),
        ("quiz", "Quick check", "Three questions; pass mark 66%.", {
            "pass_mark": 66, "max_attempts": None, "questions": [
                ("true_false", "A weekly status update is usually best handled in a meeting.", [
                    ("True", False, "Updates work well in writing; meet to discuss and decide."),
                    ("False", True, "Right."),
                ]),
                ("single", "What belongs in every invitation?", [
                    ("The purpose of the meeting", True, "Right."),
                    ("A long list of optional attendees", False, "Invite only who is needed."),
                ]),
                ("single", "When should decisions and actions be shared?", [
                    ("At the next meeting", False, "Too late: people forget."),
                    ("The same day, in writing", True, "Right."),
                ]),
            ]}),
    ],
}

WAREHOUSE_SAFETY = {
    "title": "Safe work in the warehouse",
    "category": "Health and safety",
    "minutes": 45,
    "language": "en",
    "summary": "Lifting, trucks and racking: the rules that keep everyone in Copenhagen and Malmö safe.",
    "modules": [
        ("text", "Lifting without injury", """\
Back injuries are the most common injury in our warehouses. Before you lift: test the weight, get
close to the load, bend your knees and keep your back straight. Loads over 25 kg are lifted by two
people or with a lifting aid. Never twist while carrying: move your feet.
""", {}),
        ("text", "Trucks and pedestrians", """\
Walk only in the marked walkways and make eye contact with truck drivers before you cross. Only
certified colleagues drive forklifts and reach trucks, and never with a passenger. Report damaged
racking at once; do not load a damaged bay.
""", {}),
        ("task", "Walk-through with your team lead", """\
Walk through your area with your team lead: emergency exits, first-aid kit, fire extinguishers and
the assembly point. Write down where each is; your manager signs it off.
""", {}),
    ],
}

DANISH = {
    "title": "Sådan arbejder vi hos Fjordhavn",
    "category": "Onboarding",
    "minutes": 15,
    "language": "da",
    "summary": "En kort introduktion til vores værdier, vores måde at samarbejde på og de værktøjer, du bruger hver dag.",
    "modules": [
        ("text", "Vores værdier", """\
Hos Fjordhavn arbejder vi efter tre værdier: **Vi holder, hvad vi lover**, **Vi hjælper hinanden** og
**Vi gør det lidt bedre hver dag**. De gælder over for kunderne og over for hinanden.
""", {}),
        ("text", "Værktøjer", """\
Vi bruger Microsoft 365 til mail og dokumenter, Teams til møder og chat, og Fasthold til læring,
onboarding og fora. Spørg din buddy, hvis du er i tvivl om, hvor noget ligger.
""", {}),
    ],
}

SWEDISH = {
    "title": "Hållbarhet i vardagen",
    "category": "Sustainability",
    "minutes": 25,
    "language": "sv",
    "summary": "Hur vi minskar vårt klimatavtryck i lager, transporter och på kontoret, och vad du själv kan göra.",
    "modules": [
        ("text", "Vårt mål", """\
Fjordhavn ska halvera utsläppen från våra egna transporter till 2030. Det största bidraget kommer från
fyllnadsgrad och ruttplanering: en full lastbil är den mest hållbara lastbilen.
""", {}),
        ("text", "Det här kan du göra", """\
- Sortera emballage enligt skyltarna vid stationerna.
- Stäng av truckladdare som inte används.
- Välj tåg före flyg för resor under fem timmar.
""", {}),
    ],
}

CATALOGUE = [INFOSEC, GDPR, FEEDBACK, LEADERSHIP, MEETINGS, WAREHOUSE_SAFETY, DANISH, SWEDISH]
