using System.Text;

namespace Memento.ChatClient.Terminal;

/// <summary>
/// One line being typed, with the editing keys a shell offers: ←/→, Home/End (Ctrl-A/Ctrl-E), Backspace,
/// Delete, Ctrl-U (erase before the cursor), Ctrl-K (erase after it), Ctrl-W (erase the word before it),
/// ↑/↓ through the lines sent before. Control characters never become part of the text.
/// </summary>
public sealed class LineBuffer(IReadOnlyList<string> history)
{
    private readonly StringBuilder _text = new();
    private int _historyIndex = history.Count;
    private string _draft = "";

    public string Text => _text.ToString();

    public int Cursor { get; private set; }

    /// <summary>Applies one key; true when the line is finished (Enter).</summary>
    public bool Apply(ConsoleKeyInfo key)
    {
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        switch (key.Key)
        {
            case ConsoleKey.Enter:
                return true;
            case ConsoleKey.LeftArrow:
                Cursor = Math.Max(0, Cursor - 1);
                return false;
            case ConsoleKey.RightArrow:
                Cursor = Math.Min(_text.Length, Cursor + 1);
                return false;
            case ConsoleKey.Home:
                Cursor = 0;
                return false;
            case ConsoleKey.End:
                Cursor = _text.Length;
                return false;
            case ConsoleKey.Backspace:
                if (Cursor > 0)
                {
                    _text.Remove(--Cursor, 1);
                }

                return false;
            case ConsoleKey.Delete:
                if (Cursor < _text.Length)
                {
                    _text.Remove(Cursor, 1);
                }

                return false;
            case ConsoleKey.UpArrow:
                Recall(-1);
                return false;
            case ConsoleKey.DownArrow:
                Recall(+1);
                return false;
        }

        if (control || char.IsControl(key.KeyChar))
        {
            var code = char.IsControl(key.KeyChar) ? key.KeyChar
                : control && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z ? (char)(key.Key - ConsoleKey.A + 1)
                : '\0';
            switch (code)
            {
                case '\u0001': Cursor = 0; break;                                          // Ctrl-A
                case '\u0005': Cursor = _text.Length; break;                               // Ctrl-E
                case '\u0002': Cursor = Math.Max(0, Cursor - 1); break;                     // Ctrl-B
                case '\u0006': Cursor = Math.Min(_text.Length, Cursor + 1); break;          // Ctrl-F
                case '\u0015': _text.Remove(0, Cursor); Cursor = 0; break;                  // Ctrl-U
                case '\u000B': _text.Remove(Cursor, _text.Length - Cursor); break;          // Ctrl-K
                case '\u0017': EraseWord(); break;                                          // Ctrl-W
                case '\u0008' or '\u007F': Apply(new ConsoleKeyInfo('\b', ConsoleKey.Backspace, false, false, false)); break;
                case '\u000D' or '\u000A': return true;
            }

            return false;
        }

        _text.Insert(Cursor++, key.KeyChar);
        return false;
    }

    /// <summary>
    /// What a line read from a pipe or a terminal without line editing means: Ctrl-U erases what came before
    /// it, Ctrl-W the word before it, Backspace/DEL one character; escape sequences (arrow keys) and other
    /// control characters are dropped instead of becoming part of the sentence.
    /// </summary>
    public static string Clean(string raw)
    {
        var buffer = new LineBuffer([]);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\u001B')
            {
                // ESC [ … final byte (CSI), or ESC + one character.
                i++;
                if (i < raw.Length && raw[i] == '[')
                {
                    while (i + 1 < raw.Length && raw[i + 1] is >= '0' and <= '?' or >= ' ' and <= '/')
                    {
                        i++;
                    }

                    i++;
                }

                continue;
            }

            if (c is '\t')
            {
                c = ' ';
            }

            var key = c is '\b' or '\u007F' ? ConsoleKey.Backspace : char.IsControl(c) ? (ConsoleKey)0 : ConsoleKey.NoName;
            buffer.Apply(new ConsoleKeyInfo(c, key, false, false, false));
        }

        return buffer.Text;
    }

    private void EraseWord()
    {
        var start = Cursor;
        while (start > 0 && _text[start - 1] == ' ')
        {
            start--;
        }

        while (start > 0 && _text[start - 1] != ' ')
        {
            start--;
        }

        _text.Remove(start, Cursor - start);
        Cursor = start;
    }

    private void Recall(int step)
    {
        if (history.Count == 0)
        {
            return;
        }

        if (_historyIndex == history.Count)
        {
            _draft = Text;
        }

        var next = Math.Clamp(_historyIndex + step, 0, history.Count);
        if (next == _historyIndex)
        {
            return;
        }

        _historyIndex = next;
        _text.Clear().Append(next == history.Count ? _draft : history[next]);
        Cursor = _text.Length;
    }
}

/// <summary>Reads lines from the console with <see cref="LineBuffer"/> editing and history when it is a terminal; plain lines otherwise.</summary>
public sealed class LineEditor(TextReader input, TextWriter output, bool interactive)
{
    private const int MaxHistory = 200;
    private readonly List<string> _history = [];

    public static LineEditor ForConsole() =>
        new(Console.In, Console.Out, !Console.IsInputRedirected && !Console.IsOutputRedirected);

    /// <summary>The next line without control characters, or null at the end of input.</summary>
    public async Task<string?> ReadLineAsync(string prompt)
    {
        await output.WriteAsync(prompt);
        await output.FlushAsync();
        string? line;
        if (interactive)
        {
            line = ReadInteractive(prompt);
        }
        else
        {
            var raw = await input.ReadLineAsync();
            line = raw is null ? null : LineBuffer.Clean(raw);
        }

        if (!string.IsNullOrWhiteSpace(line) && (_history.Count == 0 || _history[^1] != line))
        {
            _history.Add(line);
            if (_history.Count > MaxHistory)
            {
                _history.RemoveAt(0);
            }
        }

        return line;
    }

    private string? ReadInteractive(string prompt)
    {
        var buffer = new LineBuffer(_history);
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.D && key.Modifiers == ConsoleModifiers.Control && buffer.Text.Length == 0)
            {
                output.WriteLine();
                return null;
            }

            var done = buffer.Apply(key);
            // Redraw: back to the line start, prompt and text, erase the rest, cursor to its place.
            output.Write("\r" + prompt + buffer.Text + "\u001B[K");
            var back = buffer.Text.Length - buffer.Cursor;
            if (back > 0)
            {
                output.Write($"\u001B[{back}D");
            }

            output.Flush();
            if (done)
            {
                output.WriteLine();
                return buffer.Text;
            }
        }
    }
}
