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
        { "remember: Meeting notes\nBeta ships Oct 3\nGA in November", "store_memory", """{"content":"Meeting notes\nBeta ships Oct 3\nGA in November"}""" },

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

    private const string A = "20261117T090000000Z-aaaaaaaaaa";
    private const string B = "20261116T090000000Z-bbbbbbbbbb";
    private const string C = "20261115T090000000Z-cccccccccc";
    private const string Deleted = "20261101T090000000Z-dddddddddd";

    /// <summary>After a list of three, with one memory deleted earlier in the conversation.</summary>
    private static readonly RecentMemories AfterAList = new(
        [new(A, "Budget review with finance"), new(B, "Call Dana about the offsite", "venue in Lisbon"), new(C, "Beta launch plan")],
        LastDeleted: [Deleted]);

    /// <summary>After a list of three, then "show the third one" (the meeting note).</summary>
    private static readonly RecentMemories AfterAShow = AfterAList with { LastMemoryId = C };

    public static TheoryData<string, string, string> FollowUps => new()
    {
        // by position and ordinal, against the last list
        { "show me the second one", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "show the 2nd one", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "open the third one", "get_memory_content", $$"""{"memory_id":"{{C}}"}""" },
        { "show the 2nd", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "open 2", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "show the last one", "get_memory_content", $$"""{"memory_id":"{{C}}"}""" },
        { "can you open number 3", "get_memory_content", $$"""{"memory_id":"{{C}}"}""" },
        { "show the first", "get_memory_content", $$"""{"memory_id":"{{A}}"}""" },
        // by reference
        { "show the one about Dana", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "open the note about lisbon", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "rename the second one to Offsite with Dana", "update_memory", $$"""{"memory_id":"{{B}}","title":"Offsite with Dana"}""" },
        { "rename it to The first draft", "update_memory", $$"""{"memory_id":"{{A}}","title":"The first draft"}""" },
        // trash: list it, undo, restore
        { "show my trash", "list_trash", "{}" },
        { "what's in the trash?", "list_trash", "{}" },
        { "list deleted memories", "list_trash", "{}" },
        { "trash", "list_trash", "{}" },
        { "open the recycle bin", "list_trash", "{}" },
        { "undo", "restore_memory", $$"""{"memory_id":"{{Deleted}}"}""" },
        { "undo that", "restore_memory", $$"""{"memory_id":"{{Deleted}}"}""" },
        { "restore it", "restore_memory", $$"""{"memory_id":"{{Deleted}}"}""" },
        { "bring it back", "restore_memory", $$"""{"memory_id":"{{Deleted}}"}""" },
        { "restore the second one", "restore_memory", $$"""{"memory_id":"{{B}}"}""" },
        { $"restore {Deleted}", "restore_memory", $$"""{"memory_id":"{{Deleted}}"}""" },
        // edits in plain words read the memory first, then change only that part
        { "change Oct 3 to Oct 10 in the second one", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
        { "in the first one, change 12% to 14%", "get_memory_content", $$"""{"memory_id":"{{A}}"}""" },
        { $"replace Lisbon with Porto in {B}", "get_memory_content", $$"""{"memory_id":"{{B}}"}""" },
    };

    [Theory]
    [MemberData(nameof(FollowUps))]
    public void Follow_ups_resolve_against_the_last_list_and_the_last_deleted(string utterance, string tool, string expectedArguments)
    {
        var intent = Parser().Parse(utterance, AfterAList);

        Assert.Null(intent.Reply);
        Assert.Equal(tool, intent.Tool);
        var actual = JsonSerializer.SerializeToNode(intent.Arguments);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expectedArguments), actual), $"expected {expectedArguments}, got {actual?.ToJsonString()}");
    }

    [Theory]
    [InlineData("show it", C)]
    [InlineData("delete it", C)]
    [InlineData("delete that note", C)]
    [InlineData("tag this one with launch", C)]
    [InlineData("show me the second one", B)]
    public void It_and_that_note_are_the_memory_shown_last_while_positions_stay_on_the_list(string utterance, string expectedId)
    {
        var intent = Parser().Parse(utterance, AfterAShow);

        Assert.Null(intent.Reply);
        Assert.Equal(expectedId, intent.Arguments["memory_id"]);
    }

    [Fact]
    public void An_edit_in_plain_words_carries_what_to_change_into_what()
    {
        var intent = Parser().Parse("change the beta date in that meeting note to Oct 10", AfterAShow);

        Assert.Equal("get_memory_content", intent.Tool);
        Assert.Equal(C, intent.Arguments["memory_id"]);
        Assert.Equal(OfflineIntentParser.EditPurpose + """["the beta date","Oct 10"]""", intent.Purpose);
    }

    [Theory]
    [InlineData("delete the second one", $"Delete \"Call Dana about the offsite\" (id {B})? Say \"yes\" to delete it, or \"no\" to keep it.")]
    [InlineData("delete the 3rd", $"Delete \"Beta launch plan\" (id {C})?")]
    [InlineData("delete them", "Delete these 3 memories?\n1. \"Budget review with finance\"")]
    [InlineData("delete the first two", "Delete these 2 memories?")]
    [InlineData("delete all of them", "Delete these 3 memories?")]
    [InlineData("delete it", $"Delete \"Budget review with finance\" (id {A})? Say \"yes\" to delete it")]
    [InlineData("forget that one", $"Delete \"Budget review with finance\" (id {A})?")]
    public void A_delete_by_position_or_of_several_asks_first(string utterance, string expectedQuestion)
    {
        var intent = Parser().Parse(utterance, AfterAList);

        Assert.Null(intent.Tool);
        Assert.Contains(expectedQuestion, intent.Reply);
        Assert.Contains(OfflineIntentParser.ConfirmDeleteMarker, intent.Reply);
    }

    [Fact]
    public void It_after_a_list_of_one_is_that_memory_and_is_deleted_at_once()
    {
        var one = new RecentMemories([new(A, "Budget review with finance")]);

        var intent = Parser().Parse("delete it", one);

        Assert.Null(intent.Reply);
        Assert.Equal("delete_memory", intent.Tool);
        Assert.Equal(A, intent.Arguments["memory_id"]);
    }

    [Fact]
    public void Yes_deletes_what_the_question_named_and_no_keeps_it()
    {
        var waiting = AfterAList with { AwaitingDelete = [A, B] };

        var yes = Parser().Parse("yes", waiting);
        var no = Parser().Parse("no", waiting);
        var yesWithoutQuestion = Parser().Parse("yes", AfterAList);

        Assert.Equal("delete_memory", yes.Tool);
        Assert.Equal([A, B], yes.AllArguments.Select(a => a["memory_id"]));
        Assert.Null(no.Tool);
        Assert.Contains("nothing was deleted", no.Reply);
        Assert.Null(yesWithoutQuestion.Tool);
        Assert.Contains("no question waiting", yesWithoutQuestion.Reply);
    }

    [Theory]
    [InlineData("show the fourth one", "The last list had only 3 memories, so there is no fourth one.")]
    [InlineData("open number 7", "The last list had only 3 memories, so there is no seventh one.")]
    [InlineData("delete the 5th one", "there is no fifth one")]
    public void A_position_past_the_end_of_the_list_is_said(string utterance, string expected)
    {
        var intent = Parser().Parse(utterance, AfterAList);

        Assert.Null(intent.Tool);
        Assert.Contains(expected, intent.Reply);
    }

    [Fact]
    public void A_position_in_a_list_of_one_says_so_and_without_a_list_says_that()
    {
        var one = new RecentMemories([new(A, "Budget review with finance")]);

        var second = Parser().Parse("show the second one", one);
        var noList = Parser().Parse("show me the second one", RecentMemories.None);

        Assert.Null(second.Tool);
        Assert.Contains("The last list had only 1 memory (\"Budget review with finance\")", second.Reply);
        Assert.Null(noList.Tool);
        Assert.Contains("I have not listed any memories", noList.Reply);
    }

    [Theory]
    [InlineData("remind me to call mom tomorrow", "I did not understand that as something I can do")]
    [InlineData("remind me to call mom tomorrow", "remember: call mom tomorrow")]
    [InlineData("send an email to Sam", "cannot set reminders, send messages")]
    [InlineData("set an alarm for 7", "I can store a note")]
    [InlineData("the weather is lovely and I feel like a walk", "I did not understand \"the weather is lovely")]
    [InlineData("I want you to sort my whole life out", "I did not understand")]
    [InlineData("¿qué guardé ayer?", "English only for now")]
    [InlineData("muéstrame mis notas de ayer", "English only for now")]
    [InlineData("was habe ich gestern gespeichert", "English only for now")]
    [InlineData("qu'est-ce que j'ai noté hier", "English only for now")]
    [InlineData("покажи мои заметки", "English only for now")]
    [InlineData("昨日のメモ", "English only for now")]
    [InlineData("undo", "There is nothing I can undo")]
    [InlineData("restore it", "Which memory should I restore?")]
    public void What_it_does_not_understand_is_said_never_searched(string utterance, string expected)
    {
        var intent = Parser().Parse(utterance, RecentMemories.None);

        Assert.Null(intent.Tool);
        Assert.Contains(expected, intent.Reply);
    }

    [Theory]
    [InlineData("remember: reunión con Ana el lunes", "reunión con Ana el lunes")]
    [InlineData("note: café near the office", "café near the office")]
    public void Notes_in_any_language_can_still_be_stored(string utterance, string content)
    {
        var intent = Parser().Parse(utterance, RecentMemories.None);

        Assert.Equal("store_memory", intent.Tool);
        Assert.Equal(content, intent.Arguments["content"]);
    }

    [Theory]
    [InlineData("Standup at 10:30 in room 4", "10:30", "11:00", "Standup at 11:00 in room 4", "10:30")]
    [InlineData("Meeting notes\nBeta ships Oct 3, GA in November\nBudget up 12%", "the beta date", "Oct 10", "Meeting notes\nBeta ships Oct 10, GA in November\nBudget up 12%", "Oct 3")]
    [InlineData("Meeting notes\nBeta ships Oct 3\nBudget up 12%", "the budget number", "14%", "Meeting notes\nBeta ships Oct 3\nBudget up 14%", "12%")]
    [InlineData("Lunch with Dana on Friday", "dana", "Sam", "Lunch with Sam on Friday", "Dana")]
    [InlineData("Standup at 9:15, retro at 16:00", "the retro time", "15:00", "Standup at 9:15, retro at 15:00", "16:00")]
    public void A_plain_edit_changes_only_that_part(string content, string from, string to, string expected, string replaced)
    {
        var edited = PlainEdit.Apply(content, from, to);

        Assert.NotNull(edited);
        Assert.Equal(expected, edited.Value.Content);
        Assert.Equal(replaced, edited.Value.Replaced);
    }

    [Fact]
    public void A_plain_edit_of_words_that_are_not_there_changes_nothing()
    {
        Assert.Null(PlainEdit.Apply("Beta ships Oct 3", "the launch date", "Oct 10"));
        Assert.Null(PlainEdit.Apply("Beta ships Oct 3", "Nov 4", "Oct 10"));
    }

    private static OfflineIntentParser Parser() => new(new TimePhrases(new FixedClock(FixedClock.Wednesday), TimeZoneInfo.Utc));

    [Theory]
    [InlineData("help", "remember")]
    [InlineData("what can you do", "find my notes")]
    [InlineData("hello", "Tell me something")]
    [InlineData("remember", "What should I store")]
    [InlineData("delete", "Which memory")]
    [InlineData("forget the first one", "I have not listed any memories")]
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
