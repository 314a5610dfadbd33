namespace Memento.Tests.Chat;

/// <summary>
/// A conversation with the offline engine through the page's chat API, turn after turn, against the real
/// server: follow-ups by position and reference, an edit in plain words, a delete that asks first, undo,
/// the trash, and requests it does not understand.
/// </summary>
public sealed class FollowUpTests
{
    [Fact]
    public async Task Follow_ups_edits_deletes_undo_and_the_trash_work_in_one_conversation()
    {
        await using var stack = await ChatStack.StartAsync();
        var c = "follow-ups";
        await stack.SendAsync(c, "remember: Budget review with finance, Kubernetes costs up 12%");
        await stack.SendAsync(c, "remember: Call Dana about the offsite in Lisbon");
        await stack.SendAsync(c, "remember: Meeting notes\nBeta ships Oct 3, GA in November");

        var listed = await stack.SendAsync(c, "list my notes");
        var second = await stack.SendAsync(c, "show me the second one");
        var third = await stack.SendAsync(c, "show the third one");
        var dana = await stack.SendAsync(c, "show the one about Dana");
        var edit = await stack.SendAsync(c, "change the beta date in that meeting note to Oct 10");
        var asked = await stack.SendAsync(c, "delete the second one");
        var filesWhileAsking = stack.MemoryFiles().Count;
        var yes = await stack.SendAsync(c, "yes");
        var filesAfterYes = stack.MemoryFiles().Count;
        var undo = await stack.SendAsync(c, "undo");
        var filesAfterUndo = stack.MemoryFiles().Count;
        var deleteIt = await stack.SendAsync(c, "delete it");
        var trash = await stack.SendAsync(c, "show my trash");
        var restore = await stack.SendAsync(c, "restore the first one");
        var pastTheEnd = await stack.SendAsync(c, "show the fifth one");
        var reminder = await stack.SendAsync(c, "remind me to call mom tomorrow");
        var spanish = await stack.SendAsync(c, "¿qué guardé ayer?");
        var filesAfterRestore = stack.MemoryFiles().Count;
        var emptyTrash = await stack.SendAsync(c, "show my trash");
        var deleteRestored = await stack.SendAsync(c, "delete it");

        Assert.StartsWith("I found 3 memories:\n1. Meeting notes", listed.Text);
        Assert.Contains("Call Dana about the offsite in Lisbon", second.Text);
        Assert.Contains("Budget review with finance", third.Text);
        Assert.Contains("Call Dana about the offsite in Lisbon", dana.Text);
        Assert.Equal(["get_memory_content", "update_memory"], edit.ToolCalls.Select(t => (string)t["tool"]!));
        Assert.Contains("Changed \"Oct 3\" to \"Oct 10\" in \"Meeting notes\"", edit.Text);
        var meeting = Assert.Single(stack.MemoryFiles(), f => File.ReadAllText(f).Contains("Beta ships", StringComparison.Ordinal));
        Assert.EndsWith("Meeting notes\nBeta ships Oct 10, GA in November", File.ReadAllText(meeting));
        Assert.Empty(asked.ToolCalls);
        Assert.Contains("Delete \"Call Dana about the offsite in Lisbon\"", asked.Text);
        Assert.Equal(3, filesWhileAsking);
        Assert.Equal("delete_memory", Assert.Single(yes.ToolCalls)["tool"]!.ToString());
        Assert.Equal(2, filesAfterYes);
        Assert.Equal("restore_memory", Assert.Single(undo.ToolCalls)["tool"]!.ToString());
        Assert.Contains("Restored \"Call Dana about the offsite in Lisbon\"", undo.Text);
        Assert.Equal(3, filesAfterUndo);
        Assert.Equal("delete_memory", Assert.Single(deleteIt.ToolCalls)["tool"]!.ToString());
        Assert.Contains("Say \"undo\" to bring it back", deleteIt.Text);
        Assert.StartsWith("1 memory is in your trash:\n1. Call Dana about the offsite in Lisbon (deleted ", trash.Text);
        Assert.Contains("Restored \"Call Dana about the offsite in Lisbon\"", restore.Text);
        Assert.Equal(3, filesAfterRestore);
        Assert.Empty(pastTheEnd.ToolCalls);
        Assert.Contains("The last list had only 1 memory", pastTheEnd.Text);
        Assert.Empty(reminder.ToolCalls);
        Assert.Contains("I did not understand that as something I can do", reminder.Text);
        Assert.Empty(spanish.ToolCalls);
        Assert.Contains("English only for now", spanish.Text);
        // An empty list shown since does not hide the memory "it" was: the one just restored.
        Assert.Equal("Your trash is empty.", emptyTrash.Text);
        var deleteCall = Assert.Single(deleteRestored.ToolCalls);
        Assert.Equal("delete_memory", (string?)deleteCall["tool"]);
        Assert.Equal((string?)Assert.Single(second.ToolCalls)["arguments"]!["memory_id"], (string?)deleteCall["arguments"]!["memory_id"]);
        Assert.Equal(2, stack.MemoryFiles().Count);
    }
}
