using Memento.ChatClient.Terminal;

namespace Memento.Tests.Chat;

/// <summary>The terminal's line editing: keys as a shell has them, history, and no control character in the text.</summary>
public sealed class LineEditorTests
{
    private static ConsoleKeyInfo Key(char c) => new(c, ConsoleKey.NoName, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey key) => new('\0', key, false, false, false);

    private static ConsoleKeyInfo Ctrl(ConsoleKey key) => new((char)(key - ConsoleKey.A + 1), key, false, false, true);

    private static LineBuffer Type(LineBuffer buffer, string text)
    {
        foreach (var c in text)
        {
            buffer.Apply(Key(c));
        }

        return buffer;
    }

    [Fact]
    public void Arrows_home_end_backspace_and_delete_edit_in_place()
    {
        var line = Type(new LineBuffer([]), "find budgt");

        line.Apply(Key(ConsoleKey.LeftArrow));
        Type(line, "e");
        line.Apply(Key(ConsoleKey.Home));
        line.Apply(Key(ConsoleKey.Delete));
        Type(line, "F");
        line.Apply(Key(ConsoleKey.End));
        line.Apply(Key(ConsoleKey.Backspace));
        Type(line, "t!");
        line.Apply(Key(ConsoleKey.Backspace));

        Assert.Equal("Find budget", line.Text);
        Assert.Equal(line.Text.Length, line.Cursor);
    }

    [Fact]
    public void Ctrl_u_erases_before_the_cursor_ctrl_k_after_it_and_ctrl_w_a_word()
    {
        var u = Type(new LineBuffer([]), "delete everything");
        u.Apply(Ctrl(ConsoleKey.U));
        Type(u, "stats");
        var k = Type(new LineBuffer([]), "find budget tomorrow");
        for (var i = 0; i < " tomorrow".Length; i++)
        {
            k.Apply(Key(ConsoleKey.LeftArrow));
        }

        k.Apply(Ctrl(ConsoleKey.K));
        var w = Type(new LineBuffer([]), "find the budget  ");
        w.Apply(Ctrl(ConsoleKey.W));

        Assert.Equal("stats", u.Text);
        Assert.Equal("find budget", k.Text);
        Assert.Equal("find the ", w.Text);
    }

    [Fact]
    public void Up_and_down_walk_the_history_and_come_back_to_the_draft()
    {
        var line = Type(new LineBuffer(["list my notes", "find budget"]), "show");

        line.Apply(Key(ConsoleKey.UpArrow));
        var last = line.Text;
        line.Apply(Key(ConsoleKey.UpArrow));
        line.Apply(Key(ConsoleKey.UpArrow));
        var first = line.Text;
        line.Apply(Key(ConsoleKey.DownArrow));
        line.Apply(Key(ConsoleKey.DownArrow));

        Assert.Equal("find budget", last);
        Assert.Equal("list my notes", first);
        Assert.Equal("show", line.Text);
        Assert.True(line.Apply(Key(ConsoleKey.Enter)));
    }

    [Theory]
    [InlineData("delete everything\u0015stats", "stats")]
    [InlineData("find budgx\bet", "find budget")]
    [InlineData("find budgx\u007Fet", "find budget")]
    [InlineData("find the budget\u0017notes", "find the notes")]
    [InlineData("find\u001B[A budget\u001B[D", "find budget")]
    [InlineData("find\tbudget\u0007", "find budget")]
    public void A_line_from_a_pipe_means_what_its_control_keys_say(string raw, string expected)
    {
        Assert.Equal(expected, LineBuffer.Clean(raw));
    }
}
