namespace Memento.Benchmarks.Quality;

/// <summary>What a query tests.</summary>
internal enum QueryKind
{
    /// <summary>Says what the target means with few of its words.</summary>
    Paraphrase,

    /// <summary>A few of the target's own distinctive words.</summary>
    Keyword,

    /// <summary>A topic that recurs over time, with a window that holds exactly one of its memories.</summary>
    TimeFiltered,

    /// <summary>Something no memory is about: nothing is the right answer.</summary>
    Negative,
}

internal sealed record LabelledMemory(string Key, string Title, string Content, string[] Tags, DateTimeOffset Created);

internal sealed record LabelledQuery(QueryKind Kind, string Text, string? Target, DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>
/// The retrieval-quality set, made here deterministically: 72 hand-written notes of the kind people
/// keep (each with a paraphrase that shares few words with it and a keyword query), two topics that
/// recur weekly and monthly (time-filtered queries whose window holds one of them), questions about
/// things no note mentions, and 1,000+ generated notes from the same walks of life around them.
/// </summary>
internal static class LabelledSet
{
    public static readonly DateTimeOffset Start = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    private static readonly (string Title, string Content, string Tags, string Paraphrase, string Keywords)[] s_targets =
    [
        ("Mobile budget decision", "We agreed to cut the mobile budget by 15% for next quarter; the Android tablet work is postponed.", "work,planning", "what did we decide about money for the phone app", "mobile budget cut"),
        ("Dentist", "Dr. Okafor moved my dental cleaning to Thursday at 3 pm; bring the insurance card.", "health", "when is my appointment to get my teeth looked at", "dental cleaning Okafor"),
        ("Wi-Fi at the cabin", "The router password at the lake house is written under the modem: bluefish42.", "home", "how do I get online at the vacation home", "router password lake house"),
        ("Passport renewal", "Passport expires in June; the renewal form needs two photos and the old passport mailed in.", "travel", "what do I need to get a new travel document", "passport renewal photos"),
        ("Kubernetes upgrade postmortem", "The cluster upgrade failed because the ingress controller was pinned to an old API version; roll forward next time.", "work,ops", "why did the container platform update break", "ingress controller API version"),
        ("Anniversary gift idea", "Maya mentioned she would love a pottery class; sign us up before our anniversary in October.", "personal", "present for my partner for our special day", "pottery class anniversary"),
        ("Car service", "The mechanic said the brake pads are worn to 3 mm and should be replaced within 1,000 miles.", "car", "what did the garage tell me about stopping the vehicle", "brake pads mechanic"),
        ("Hiring freeze", "Leadership paused all new engineering requisitions until the Q3 forecast is approved.", "work", "can we recruit more developers right now", "engineering requisitions paused"),
        ("Sourdough starter", "Feed the starter 1:1:1 flour and water every 12 hours; it doubles in about 6 hours when healthy.", "cooking", "how often do I take care of the bread culture", "sourdough starter feed"),
        ("Landlord", "The landlord agreed to fix the leaking kitchen faucet and will send a plumber on Monday.", "home", "who is repairing the dripping tap in the flat", "leaking faucet plumber"),
        ("Database migration plan", "We will move the orders table to PostgreSQL 16 over the weekend, with a read-only window of two hours.", "work,ops", "when are we switching the purchase records to the new DB engine", "orders table PostgreSQL migration"),
        ("Kid's allergy", "Leo is allergic to peanuts; the school nurse has his epinephrine pen in her office.", "family,health", "what should the teachers know about my son's food reaction", "peanut allergy epinephrine"),
        ("Quarterly sales", "Revenue in the northern region grew 8% last quarter, mostly from renewals of enterprise contracts.", "work,sales", "how did income up north change recently", "northern region revenue renewals"),
        ("Vacation days", "I have 12 days of paid leave left this year and they expire on December 31.", "work", "how much time off do I still have", "paid leave days left"),
        ("Garden", "Plant the tomato seedlings after the last frost, around mid May, 60 cm apart.", "garden", "when should I put the vegetables in the ground outside", "tomato seedlings frost"),
        ("Laptop replacement", "IT approved a new ThinkPad for me; pickup at the help desk on the 4th floor next Tuesday.", "work", "where do I collect my new work computer", "ThinkPad help desk"),
        ("Book recommendation", "Sam recommended 'The Overstory', a novel about trees and the people who fight for them.", "reading", "what was that story about forests someone told me to read", "Overstory novel Sam"),
        ("Security incident", "An API token was committed to the public repository; we revoked it within 20 minutes and rotated all keys.", "work,security", "what happened when a secret leaked on GitHub", "API token revoked rotated"),
        ("Running goal", "Training for the half marathon in April: long run of 18 km every Sunday.", "fitness", "what is my weekend jogging plan for the race", "half marathon long run"),
        ("Moving house", "The movers come on the 28th at 8 am; pack the fragile glasses in the blue boxes.", "home", "when does the relocation truck arrive", "movers fragile boxes"),
        ("Customer complaint", "Acme Corp complained that invoices arrive in the wrong currency; finance will reissue them in euros.", "work,customers", "which client had a problem with the kind of money on their bills", "Acme invoices currency euros"),
        ("Blood test results", "Cholesterol came back slightly high at 5.8; the doctor suggested less red meat and a retest in six months.", "health", "what did the lab say about my heart health numbers", "cholesterol retest doctor"),
        ("Team offsite", "The engineering offsite will be in Lisbon on May 14-16; the hotel is booked near the river.", "work,travel", "where are we all travelling for the group retreat", "offsite Lisbon hotel"),
        ("Password manager", "We switched the family to Bitwarden; the emergency access contact is my sister.", "home,security", "which app keeps our household logins", "Bitwarden emergency access"),
        ("Flight", "Flight to Tokyo departs at 11:40 from terminal 2; check in online 24 hours ahead.", "travel", "when does my plane to Japan leave", "Tokyo flight terminal 2"),
        ("Performance review", "My manager said I should take more ownership of cross-team projects to reach the senior level.", "work,career", "what feedback did my boss give me about getting promoted", "ownership senior level manager"),
        ("Cat vet", "Mochi needs her yearly vaccines; the vet clinic on Elm Street opens at 9.", "pets", "when does the kitty need her shots", "Mochi vaccines vet"),
        ("On-call rotation", "I am on call for the payments service the week of March 3; escalate to Priya if the queue backs up.", "work,ops", "when is my turn carrying the pager", "on call payments service"),
        ("Tax documents", "The accountant needs the mortgage interest statement and charity receipts by February 15.", "finance", "what paperwork should I send for the yearly filing", "accountant mortgage interest receipts"),
        ("Wedding speech", "Best man speech: open with the camping story, keep it under five minutes, thank both families.", "personal", "notes for my toast at my friend's marriage", "best man speech camping"),
        ("Slow dashboard", "The analytics dashboard is slow because each widget runs its own query; batch them into one request.", "work,performance", "why do the report page charts take so long to load", "dashboard widget query batch"),
        ("Grocery", "Out of olive oil, oat milk and coffee beans; the farmers market has good eggs on Saturdays.", "shopping", "what food do I need to buy", "olive oil oat milk coffee"),
        ("Contract renewal", "The office lease ends in September; the landlord offered a 3-year renewal at 4% more.", "work,finance", "what are the terms to keep our workplace building", "office lease renewal"),
        ("Piano lessons", "Emma's piano teacher wants her to practice scales for 15 minutes before each lesson.", "family", "what did the music instructor ask my daughter to do", "piano teacher scales"),
        ("Backup failure", "Nightly backups to the storage account failed for three days because the SAS token expired.", "work,ops", "why did the overnight copies of our data not work", "backups SAS token expired"),
        ("Charity run", "Our team raised 2,300 dollars for the children's hospital in the charity 10k.", "community", "how much did we collect for the kids' clinic", "charity 10k hospital raised"),
        ("Design review", "The new checkout page drops the coupon field; the designers think it reduces abandonment.", "work,design", "why did we remove the discount code box from paying", "checkout coupon field"),
        ("Insurance claim", "Filed the claim for the hail damage to the car roof; the adjuster visits Wednesday.", "car,finance", "when is someone coming to look at the storm damage on my vehicle", "hail damage claim adjuster"),
        ("Conference talk", "My talk on event sourcing was accepted at NDC Oslo; slides are due June 1.", "work,career", "which tech event will I present at", "event sourcing talk NDC"),
        ("Heating", "Set the thermostat to 19 degrees at night; the boiler service is due in November.", "home", "what temperature should the house be when sleeping", "thermostat boiler service"),
        ("Latency regression", "p99 latency of the search API doubled after the 2.4 release because caching was disabled by mistake.", "work,performance", "why did lookups get slower after the latest deploy", "p99 latency search API caching"),
        ("Parents visit", "Mom and Dad arrive on the 12th by train and stay in the guest room for a week.", "family", "when are my folks coming to stay", "parents train guest room"),
        ("Budget spreadsheet", "Household spending in March: 420 on groceries, 180 on eating out, 95 on subscriptions.", "finance", "how much did we spend on food last month at home", "household spending groceries subscriptions"),
        ("Vendor selection", "We chose Twilio over Vonage for SMS because of better delivery rates in Brazil.", "work,vendors", "which text message provider did we pick and why", "Twilio Vonage SMS"),
        ("Bike repair", "The rear derailleur on my bike skips gears; the shop can fix it for 45 dollars.", "fitness", "what is wrong with my bicycle's shifting", "rear derailleur bike shop"),
        ("Onboarding buddy", "Ana joins the team on Monday; I am her onboarding buddy for the first month.", "work,team", "who am I helping settle in as a new colleague", "onboarding buddy Ana"),
        ("Recipe", "Grandma's lentil soup: onions, carrots, red lentils, cumin, simmer 25 minutes, lemon at the end.", "cooking", "how did my grandmother make that pulse stew", "lentil soup cumin"),
        ("Feature flag cleanup", "Remove the old recommendations toggle from the codebase once the new ranking is at 100%.", "work", "which switch can we delete after the rollout finishes", "feature flag recommendations toggle"),
        ("Noise complaint", "The neighbours upstairs play loud music after midnight; I left a polite note on their door.", "home", "what did I do about the racket from the flat above", "neighbours loud music note"),
        ("Investment", "Moved 5,000 from savings into a low-cost index fund; rebalance once a year in January.", "finance", "where did I put extra cash to grow over time", "index fund savings rebalance"),
        ("Eye exam", "New glasses prescription: slightly stronger for the left eye; frames ready in ten days.", "health", "when can I pick up my new spectacles", "glasses prescription frames"),
        ("Sprint goal", "This sprint we focus on exporting reports to PDF; the CSV import bugs wait until next sprint.", "work,planning", "what is the team working on these two weeks", "sprint PDF export"),
        ("Volunteer", "Signed up to help at the food bank every second Saturday morning from 9 to 12.", "community", "when do I give my time at the place that hands out meals", "food bank volunteer Saturday"),
        ("Phone contract", "Switched my mobile plan to 20 GB of data for 15 a month, no contract.", "finance", "how much do I pay for my cell service", "mobile plan data"),
        ("Architecture decision", "We decided to keep the monolith and extract only the notification service, to limit operational cost.", "work,architecture", "did we go with microservices or not", "monolith notification service"),
        ("Roof", "A roofer quoted 6,500 to replace the shingles on the south side before winter.", "home", "how much will fixing the top of the house cost", "roofer shingles quote"),
        ("Birthday party", "Leo's 7th birthday party at the trampoline park on Saturday, 12 kids invited, cake from Rosa's bakery.", "family", "plans for my son's celebration", "birthday trampoline park cake"),
        ("Cloud costs", "The AWS bill jumped 30% because a staging cluster was left running over the holidays.", "work,finance", "why was our hosting invoice so high", "AWS bill staging cluster"),
        ("Language learning", "Practising Spanish 20 minutes a day with flashcards; aiming for B1 by summer.", "learning", "how am I studying that foreign tongue", "Spanish flashcards B1"),
        ("Client meeting", "Globex wants a demo of the reporting module next Thursday; Marco prepares the sample data.", "work,customers", "when are we showing the customer our analytics feature", "Globex demo reporting module"),
        ("Sleep", "The doctor suggested no screens an hour before bed and a fixed wake-up time to fix my insomnia.", "health", "advice for when I cannot fall asleep", "insomnia screens doctor"),
        ("Code review norms", "Pull requests over 400 lines should be split; reviewers answer within one working day.", "work,engineering", "what rules do we follow when checking each other's changes", "pull requests reviewers lines"),
        ("Car loan", "The car loan has 14 payments left at 310 a month; paying it off early has no penalty.", "car,finance", "how much do I still owe on the auto financing", "car loan payments"),
        ("Camping trip", "Reserved campsite 14 at Pine Lake for the first weekend of August; bring the big tent.", "travel", "where are we sleeping outdoors this summer", "campsite Pine Lake"),
        ("Outage", "The login outage on Friday lasted 47 minutes; the identity provider's certificate had expired.", "work,ops", "why could people not sign in last week", "login outage certificate expired"),
        ("Gym", "Cancelled the gym membership; I will do home workouts with the kettlebell instead.", "fitness", "did I stop paying for the fitness club", "gym membership cancelled kettlebell"),
        ("Print shop", "The print shop needs the poster files as PDF with 3 mm bleed by Wednesday noon.", "work,design", "what format do the flyer printers want", "poster PDF bleed"),
        ("Reading group", "For the architecture guild we read 'Designing Data-Intensive Applications', chapter 5 on replication this month.", "work,reading", "which book is our engineering club studying", "architecture guild Designing Data-Intensive Applications"),
        ("Water bill", "The water bill doubled; the plumber found a running toilet valve and replaced it.", "home,finance", "why did we pay so much for the tap supply", "water bill toilet valve"),
        ("Data retention", "Legal says customer logs must be deleted after 90 days unless there is an open investigation.", "work,legal", "how long can we keep user activity records", "customer logs deleted 90 days"),
        ("Babysitter", "Chloe can babysit on Friday evenings for 15 an hour; her number is in the family chat.", "family", "who can watch the kids at night", "babysit Chloe Friday"),
        ("Retirement", "Increased my pension contribution to 8% of salary; the employer matches up to 5%.", "finance", "how much am I putting aside for when I stop working", "pension contribution employer match"),
    ];

    // A weekly and a monthly topic: the same kind of note again and again, told apart only by time.
    private static readonly string[] s_weeklyBudget =
    [
        "travel spend is over plan by 4%", "the marketing line is frozen until April", "cloud hosting came in under forecast",
        "contractor hours need approval from now on", "the training budget moves to the next quarter", "office supplies were cut by half",
        "the event sponsorship was approved at 12,000", "software licences are renewed yearly, not monthly", "the hardware refresh slips to autumn",
        "recruiting fees are the largest overrun", "the support team gets two more seats", "consulting spend is capped at 30,000",
    ];

    private static readonly string[] s_monthlyOneOnOne =
    [
        "we talked about my goals for the year and a course on negotiation", "she asked me to mentor the two interns",
        "we discussed moving me to the platform team", "she wants a written plan for the migration by next month",
        "we went over the feedback from the customer workshop", "she suggested I present at the all-hands",
        "we agreed I lead the hiring loop for the new role", "we reviewed how the on-call load is shared",
    ];

    private static readonly string[] s_negatives =
    [
        "my scuba diving certification", "results of the chess tournament", "when do I change to snow tyres",
        "horse riding lessons schedule", "the violin I want to buy", "which wine goes with the fish", "my knitting pattern for the scarf",
        "the submarine documentary", "our sailing regatta crew", "the astronomy club telescope", "ski pass prices for the alps",
        "my tattoo appointment", "the karaoke night playlist", "beekeeping equipment list", "the pottery kiln temperature",
        "golf handicap", "the surfing camp in Portugal", "my wine cellar inventory", "archery range opening hours", "the jazz festival lineup",
    ];

    public static IReadOnlyList<LabelledMemory> Memories { get; } = BuildMemories();

    public static IReadOnlyList<LabelledQuery> Queries { get; } = BuildQueries();

    private static List<LabelledMemory> BuildMemories()
    {
        var memories = new List<LabelledMemory>();
        for (var i = 0; i < s_targets.Length; i++)
        {
            var (title, content, tags, _, _) = s_targets[i];
            memories.Add(new($"t{i}", title, content, tags.Split(','), Start.AddDays(i * 4).AddHours(i % 7)));
        }

        for (var week = 0; week < s_weeklyBudget.Length; week++)
        {
            memories.Add(new($"w{week}", "Weekly budget review", $"Budget review, week {week + 1}: {s_weeklyBudget[week]}.", ["work", "finance"], Start.AddDays(7 * week).AddHours(10)));
        }

        for (var month = 0; month < s_monthlyOneOnOne.Length; month++)
        {
            memories.Add(new($"m{month}", "1:1 with my manager", $"Monthly one-on-one with Dana: {s_monthlyOneOnOne[month]}.", ["work", "career"], Start.AddMonths(month).AddDays(3).AddHours(15)));
        }

        memories.AddRange(Distractors.Make(1000, seed: 20250106));
        return memories;
    }

    private static List<LabelledQuery> BuildQueries()
    {
        var queries = new List<LabelledQuery>();
        for (var i = 0; i < s_targets.Length; i++)
        {
            queries.Add(new(QueryKind.Paraphrase, s_targets[i].Paraphrase, $"t{i}"));
        }

        for (var i = 0; i < s_targets.Length; i++)
        {
            queries.Add(new(QueryKind.Keyword, s_targets[i].Keywords, $"t{i}"));
        }

        for (var week = 0; week < s_weeklyBudget.Length; week++)
        {
            var since = Start.AddDays(7 * week);
            var text = week % 2 == 0 ? "notes about the budget from that week" : "what came up when we went over spending";
            queries.Add(new(QueryKind.TimeFiltered, text, $"w{week}", since, since.AddDays(7)));
        }

        for (var month = 0; month < s_monthlyOneOnOne.Length; month++)
        {
            var since = Start.AddMonths(month);
            var text = month % 2 == 0 ? "one-on-one with my manager" : "what did my boss and I talk about";
            queries.Add(new(QueryKind.TimeFiltered, text, $"m{month}", since, since.AddMonths(1)));
        }

        queries.AddRange(s_negatives.Select(n => new LabelledQuery(QueryKind.Negative, n, null)));
        return queries;
    }
}
