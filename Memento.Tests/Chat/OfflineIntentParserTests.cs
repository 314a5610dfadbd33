using System.Text.Json;
using System.Text.Json.Nodes;
using Memento.ChatClient.Offline;

namespace Memento.Tests.Chat;

/// <summary>
/// The offline engine's understanding, sentence by sentence: the exact tool and arguments, with dates
/// against a fixed clock (Wednesday 18 November 2026, 15:30 UTC; weeks start on Monday).
/// </summary>
public sealed class OfflineIntentParserTests
{
    private const string Id = "01JD3W5ZK8M2N4P6Q8R0S2T4V6";
    private static readonly string[] Recent = ["mem-20261117-aaa111", "mem-20261116-bbb222", "mem-20261115-ccc333"];

    private static string D(string date) => $"{date}T00:00:00+00:00";

    public static TheoryData<string, string, string> Utterances => new()
    {
        // store / remember / save / note
        { "store this meeting summary: Budget review with finance, Kubernetes costs up 12%", "store_memory", """{"content":"Budget review with finance, Kubernetes costs up 12%"}""" },
        { "remember that the wifi password is on the fridge", "store_memory", """{"content":"the wifi password is on the fridge"}""" },
        { "Remember: dentist on Friday at 9", "store_memory", """{"content":"dentist on Friday at 9"}""" },
        { "save this: https://example.com/spec is the API spec", "store_memory", """{"content":"https://example.com/spec is the API spec"}""" },
        { "note: call Sam back about the offsite", "store_memory", """{"content":"call Sam back about the offsite"}""" },
        { "jot down: buy milk and eggs tagged shopping", "store_memory", """{"content":"buy milk and eggs","tags":["shopping"]}""" },
        { "store this note tagged work, budget: Q3 numbers are final", "store_memory", """{"content":"Q3 numbers are final","tags":["work","budget"]}""" },
        { "remember the car is parked on level 3 #parking", "store_memory", """{"content":"the car is parked on level 3 #parking","tags":["parking"]}""" },
        { "save a note titled \"Offsite\": venue booked for March 3", "store_memory", """{"content":"venue booked for March 3","title":"Offsite"}""" },
        { "please remember: Anna's birthday is May 4 (tags: family, birthdays)", "store_memory", """{"content":"Anna's birthday is May 4","tags":["family","birthdays"]}""" },
        { "Store: 10:30 standup moved to 11:00", "store_memory", """{"content":"10:30 standup moved to 11:00"}""" },
        { "make a note: the boiler code is 4471, tagged home", "store_memory", """{"content":"the boiler code is 4471","tags":["home"]}""" },

        // find / search / what did I…
        { "find my notes about the budget from last week", "retrieve_memories", $$"""{"query":"budget","since":"{{D("2026-11-09")}}"}""" },
        { "search for kubernetes", "retrieve_memories", """{"query":"kubernetes"}""" },
        { "what did I write about the offsite?", "retrieve_memories", """{"query":"offsite"}""" },
        { "find notes about budget review kubernetes", "retrieve_memories", """{"query":"budget review kubernetes"}""" },
        { "find my notes from last week", "list_memories", $$"""{"since":"{{D("2026-11-09")}}"}""" },
        { "find notes tagged work from yesterday", "list_memories", $$"""{"tags":["work"],"since":"{{D("2026-11-17")}}","until":"{{D("2026-11-18")}}"}""" },
        { "search budget since March 1", "retrieve_memories", $$"""{"query":"budget","since":"{{D("2026-03-01")}}"}""" },
        { "find dentist 3 days ago", "retrieve_memories", $$"""{"query":"dentist","since":"{{D("2026-11-15")}}","until":"{{D("2026-11-16")}}"}""" },
        { "look for anything about Sam in October", "retrieve_memories", $$"""{"query":"sam","since":"{{D("2026-10-01")}}","until":"{{D("2026-11-01")}}"}""" },
        { "do I have notes about the car?", "retrieve_memories", """{"query":"car"}""" },
        { "find the budget review notes", "retrieve_memories", """{"query":"budget review"}""" },
        { "search #work budget", "retrieve_memories", """{"query":"budget","tags":["work"]}""" },
        { "find notes about kubernetes this month", "retrieve_memories", $$"""{"query":"kubernetes","since":"{{D("2026-11-01")}}"}""" },
        { "find budget notes in June 2025", "retrieve_memories", $$"""{"query":"budget","since":"{{D("2025-06-01")}}","until":"{{D("2025-07-01")}}"}""" },
        { "find budget in december", "retrieve_memories", $$"""{"query":"budget","since":"{{D("2025-12-01")}}","until":"{{D("2026-01-01")}}"}""" },
        { "recall what I noted about taxes last year", "retrieve_memories", $$"""{"query":"taxes","since":"{{D("2025-01-01")}}"}""" },
        { "find notes about rust from the past 2 weeks", "retrieve_memories", $$"""{"query":"rust","since":"{{D("2026-11-04")}}"}""" },
        { "what did I save about flights since 2026-10-01", "retrieve_memories", $$"""{"query":"flights","since":"{{D("2026-10-01")}}"}""" },
        { "find invoices before November 5", "retrieve_memories", $$"""{"query":"invoices","until":"{{D("2026-11-05")}}"}""" },
        { "find invoices until November 5", "retrieve_memories", $$"""{"query":"invoices","until":"{{D("2026-11-06")}}"}""" },
        { "find notes on 2026-11-02", "list_memories", $$"""{"since":"{{D("2026-11-02")}}","until":"{{D("2026-11-03")}}"}""" },
        { "find notes about the offsite on Monday", "retrieve_memories", $$"""{"query":"offsite","since":"{{D("2026-11-16")}}","until":"{{D("2026-11-17")}}"}""" },
        { "find notes about lunch the day before yesterday", "retrieve_memories", $$"""{"query":"lunch","since":"{{D("2026-11-16")}}","until":"{{D("2026-11-17")}}"}""" },
        { "find the last 5 notes about budget", "retrieve_memories", """{"query":"budget","limit":5}""" },
        { "find today's notes", "list_memories", $$"""{"since":"{{D("2026-11-18")}}","until":"{{D("2026-11-19")}}"}""" },
        { "find notes from the last 2 days tagged travel", "list_memories", $$"""{"tags":["travel"],"since":"{{D("2026-11-16")}}"}""" },
        { "anything from yesterday?", "list_memories", $$"""{"since":"{{D("2026-11-17")}}","until":"{{D("2026-11-18")}}"}""" },
        { "find notes since 1 March 2026", "list_memories", $$"""{"since":"{{D("2026-03-01")}}"}""" },
        { "budget", "retrieve_memories", """{"query":"budget"}""" },

        // list, with tags and time phrases
        { "list my memories", "list_memories", "{}" },
        { "show my notes from last week", "list_memories", $$"""{"since":"{{D("2026-11-09")}}"}""" },
        { "list memories tagged work", "list_memories", """{"tags":["work"]}""" },
        { "list my notes tagged work and budget this week", "list_memories", $$"""{"tags":["work","budget"],"since":"{{D("2026-11-16")}}"}""" },
        { "show me everything from today", "list_memories", $$"""{"since":"{{D("2026-11-18")}}","until":"{{D("2026-11-19")}}"}""" },
        { "list notes from 2 weeks ago", "list_memories", $$"""{"since":"{{D("2026-11-02")}}","until":"{{D("2026-11-09")}}"}""" },
        { "list memories from last month", "list_memories", $$"""{"since":"{{D("2026-10-01")}}"}""" },
        { "show my 3 latest notes", "list_memories", """{"limit":3}""" },
        { "list everything since Monday", "list_memories", $$"""{"since":"{{D("2026-11-16")}}"}""" },
        { "show notes from a month ago", "list_memories", $$"""{"since":"{{D("2026-10-01")}}","until":"{{D("2026-11-01")}}"}""" },
        { "list notes after 2026-11-10", "list_memories", $$"""{"since":"{{D("2026-11-11")}}"}""" },
        { "what are my notes about the garden", "retrieve_memories", """{"query":"garden"}""" },
        { "show memories tagged #ideas", "list_memories", """{"tags":["ideas"]}""" },
        { "list notes from five days ago", "list_memories", $$"""{"since":"{{D("2026-11-13")}}","until":"{{D("2026-11-14")}}"}""" },

        // show / open
        { $"show {Id}", "get_memory_content", $$"""{"memory_id":"{{Id}}"}""" },
        { "open memory 20261118-153000-7f3a", "get_memory_content", """{"memory_id":"20261118-153000-7f3a"}""" },
        { "show the first one", "get_memory_content", $$"""{"memory_id":"{{Recent[0]}}"}""" },
        { "open the second one", "get_memory_content", $$"""{"memory_id":"{{Recent[1]}}"}""" },
        { "read it", "get_memory_content", $$"""{"memory_id":"{{Recent[0]}}"}""" },
        { "show number 3", "get_memory_content", $$"""{"memory_id":"{{Recent[2]}}"}""" },

        // update
        { $"rename {Id} to Budget review (final)", "update_memory", $$"""{"memory_id":"{{Id}}","title":"Budget review (final)"}""" },
        { $"update {Id} to say the meeting moved to Friday", "update_memory", $$"""{"memory_id":"{{Id}}","content":"the meeting moved to Friday"}""" },
        { "tag it with work, finance", "update_memory", $$"""{"memory_id":"{{Recent[0]}}","tags":["work","finance"]}""" },
        { "change the title of the second one to Q3 plan", "update_memory", $$"""{"memory_id":"{{Recent[1]}}","title":"Q3 plan"}""" },
        { $"retag {Id} as personal", "update_memory", $$"""{"memory_id":"{{Id}}","tags":["personal"]}""" },
        { $"edit {Id}: corrected numbers are 14%", "update_memory", $$"""{"memory_id":"{{Id}}","content":"corrected numbers are 14%"}""" },

        // delete / forget
        { $"delete {Id}", "delete_memory", $$"""{"memory_id":"{{Id}}"}""" },
        { "forget the first one", "delete_memory", $$"""{"memory_id":"{{Recent[0]}}"}""" },
        { "forget the note about the dentist", "retrieve_memories", """{"query":"dentist"}""" },

        // stats, users
        { "stats", "get_user_stats", "{}" },
        { "how many memories do I have?", "get_user_stats", "{}" },
        { "show my stats", "get_user_stats", "{}" },
        { "list users", "list_users", "{}" },
    };

    [Theory]
    [MemberData(nameof(Utterances))]
    public void Maps_a_sentence_to_the_expected_tool_call(string utterance, string tool, string expectedArguments)
    {
        var parser = new OfflineIntentParser(new TimePhrases(new FixedClock(FixedClock.Wednesday), TimeZoneInfo.Utc));

        var intent = parser.Parse(utterance, Recent);

        Assert.Null(intent.Reply);
        Assert.Equal(tool, intent.Tool);
        var actual = JsonSerializer.SerializeToNode(intent.Arguments);
        var expected = JsonNode.Parse(expectedArguments);
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected?.ToJsonString()}, got {actual?.ToJsonString()}");
    }

    [Theory]
    [InlineData("help", "remember")]
    [InlineData("what can you do", "find my notes")]
    [InlineData("hello", "Tell me something")]
    [InlineData("remember", "What should I store")]
    [InlineData("delete", "Which memory")]
    [InlineData("update the note to say hi", "Which memory")]
    public void Answers_without_a_tool_when_there_is_nothing_to_call(string utterance, string expectedReplyPart)
    {
        var parser = new OfflineIntentParser(new TimePhrases(new FixedClock(FixedClock.Wednesday), TimeZoneInfo.Utc));

        var intent = parser.Parse(utterance, []);

        Assert.Null(intent.Tool);
        Assert.Contains(expectedReplyPart, intent.Reply);
    }

    [Fact]
    public void Time_phrases_use_the_users_zone_and_its_offset()
    {
        var berlinLike = TimeZoneInfo.CreateCustomTimeZone("Test+02", TimeSpan.FromHours(2), "Test+02", "Test+02");
        var lateEvening = new DateTimeOffset(2026, 11, 18, 23, 30, 0, TimeSpan.Zero); // already the 19th at +02:00
        var parser = new OfflineIntentParser(new TimePhrases(new FixedClock(lateEvening), berlinLike));

        var intent = parser.Parse("list my notes from today", []);

        Assert.Equal("list_memories", intent.Tool);
        Assert.Equal("2026-11-19T00:00:00+02:00", intent.Arguments["since"]);
        Assert.Equal("2026-11-20T00:00:00+02:00", intent.Arguments["until"]);
    }

    [Fact]
    public void A_reference_without_earlier_results_is_not_guessed()
    {
        var parser = new OfflineIntentParser(new TimePhrases(new FixedClock(FixedClock.Wednesday), TimeZoneInfo.Utc));

        var intent = parser.Parse("delete it", []);

        Assert.Null(intent.Tool);
    }

    [Fact]
    public void The_table_has_at_least_sixty_sentences()
    {
        Assert.True(Utterances.Count >= 60, $"only {Utterances.Count} sentences");
    }
}
