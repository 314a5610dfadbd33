using System.Globalization;
using System.Text;

namespace Memento.McpServer.Errors;

/// <summary>Text from a request, made safe to log: control and format characters (bidi overrides) escaped (no forged lines, no NULs), length capped.</summary>
public static class LogText
{
    /// <summary>
    /// <paramref name="value"/> with every control character (and the line/paragraph separators) written as
    /// <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>, and cut after <paramref name="max"/> characters.
    /// </summary>
    public static string Escape(string? value, int max = 200)
    {
        if (value is null)
        {
            return "";
        }

        var text = new StringBuilder(Math.Min(value.Length, max) + 8);
        foreach (var c in value.Length > max ? value.AsSpan(0, max) : value.AsSpan())
        {
            _ = c switch
            {
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                '\t' => text.Append("\\t"),
                '\\' => text.Append("\\\\"),
                _ when char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }

        return value.Length > max ? text.Append('…').ToString() : text.ToString();
    }
}
