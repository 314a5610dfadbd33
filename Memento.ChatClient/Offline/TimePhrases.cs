using System.Globalization;
using System.Text.RegularExpressions;

namespace Memento.ChatClient.Offline;

/// <summary>A time window found in a sentence; either end may be open. Dates are local midnights in the user's zone.</summary>
public sealed record TimeWindow(DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// Turns time phrases into <c>since</c>/<c>until</c> in the user's time zone. "last week/month/year" reach
/// from the start of the previous period up to now (someone asking for "my notes from last week" on a
/// Wednesday means the ones from two days ago too); "yesterday", "N days ago", "on a date" and "in a month"
/// are exact windows; <c>until</c> is exclusive.
/// </summary>
public sealed partial class TimePhrases(TimeProvider time, TimeZoneInfo zone)
{
    private const string Prep = @"(?:\b(?:from|in|during|of|on|for|over|within|made|created|stored|saved|written)\s+)?";
    private const string Months = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
    private const string Weekdays = "monday|tuesday|wednesday|thursday|friday|saturday|sunday";
    private const string Number = @"\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve";
    private const string Date =
        @"(?:(?<iso>\d{4}-\d{2}-\d{2})|(?<m1>" + Months + @")\.?\s+(?<d1>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?<y1>\d{4}))?|(?<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?<m2>" + Months + @")(?:,?\s+(?<y2>\d{4}))?|(?<wd>" + Weekdays + "))";

    /// <summary>Today in the user's zone.</summary>
    public DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone).DateTime);

    public TimeZoneInfo Zone => zone;

    /// <summary>Finds the time phrases in <paramref name="text"/> (lower case) and returns the window and the text without them.</summary>
    public (TimeWindow? Window, string Remainder) Extract(string text)
    {
        DateOnly? since = null, until = null;
        var today = Today;

        text = Apply(text, LastN(), m =>
        {
            var n = ParseNumber(m.Groups["n"].Value);
            since = Shift(today, m.Groups["unit"].Value, -n);
        });
        text = Apply(text, Ago(), m =>
        {
            var n = ParseNumber(m.Groups["n"].Value);
            var unit = m.Groups["unit"].Value;
            var start = StartOf(Shift(today, unit, -n), unit);
            (since, until) = (start, Shift(start, unit, 1));
        });
        text = Apply(text, PreviousPeriod(), m =>
        {
            var unit = m.Groups["unit"].Value;
            since = m.Groups["which"].Value == "past" ? Shift(today, unit, -1) : Shift(StartOf(today, unit), unit, -1);
        });
        text = Apply(text, ThisPeriod(), m => since = StartOf(today, m.Groups["unit"].Value));
        text = Apply(text, DayBeforeYesterday(), _ => (since, until) = (today.AddDays(-2), today.AddDays(-1)));
        text = Apply(text, Yesterday(), _ => (since, until) = (today.AddDays(-1), today));
        text = Apply(text, Today_(), _ => (since, until) = (today, today.AddDays(1)));
        text = Apply(text, Since(), m => since = ParseDate(m, today));
        text = Apply(text, After(), m => since = ParseDate(m, today).AddDays(1));
        text = Apply(text, Before(), m =>
        {
            var date = ParseDate(m, today);
            until = m.Groups["kw"].Value == "before" ? date : date.AddDays(1);
        });
        text = Apply(text, InMonth(), m =>
        {
            var month = MonthNumber(m.Groups["m"].Value);
            var year = m.Groups["y"].Success ? int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture) : (month > today.Month ? today.Year - 1 : today.Year);
            var start = new DateOnly(year, month, 1);
            (since, until) = (start, start.AddMonths(1));
        });
        text = Apply(text, OnDate(), m =>
        {
            var date = ParseDate(m, today);
            (since, until) = (date, date.AddDays(1));
        });

        var window = since is null && until is null ? null : new TimeWindow(Local(since), Local(until));
        return (window, Collapse(text));
    }

    /// <summary>ISO 8601 with the zone's offset, as the tools expect.</summary>
    public static string Format(DateTimeOffset value) => value.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    private DateTimeOffset? Local(DateOnly? date)
    {
        if (date is not { } d)
        {
            return null;
        }

        var local = d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static string Apply(string text, Regex pattern, Action<Match> onMatch)
    {
        var match = pattern.Match(text);
        if (!match.Success)
        {
            return text;
        }

        onMatch(match);
        return text.Remove(match.Index, match.Length).Insert(match.Index, " ");
    }

    private static string Collapse(string text) => Spaces().Replace(text, " ").Trim();

    private static DateOnly StartOf(DateOnly day, string unit) => Unit(unit) switch
    {
        "day" => day,
        "week" => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
        "month" => new DateOnly(day.Year, day.Month, 1),
        _ => new DateOnly(day.Year, 1, 1),
    };

    private static DateOnly Shift(DateOnly day, string unit, int n) => Unit(unit) switch
    {
        "day" => day.AddDays(n),
        "week" => day.AddDays(7 * n),
        "month" => day.AddMonths(n),
        _ => day.AddYears(n),
    };

    private static string Unit(string unit) => unit.TrimEnd('s');

    internal static int ParseNumber(string value) => value switch
    {
        "a" or "an" or "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        _ => int.Parse(value, CultureInfo.InvariantCulture),
    };

    private static int MonthNumber(string name) => name[..3] switch
    {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        _ => 12,
    };

    private static DateOnly ParseDate(Match m, DateOnly today)
    {
        if (m.Groups["iso"].Success)
        {
            return DateOnly.ParseExact(m.Groups["iso"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        }

        if (m.Groups["wd"].Success)
        {
            var target = Enum.Parse<DayOfWeek>(m.Groups["wd"].Value, ignoreCase: true);
            var back = ((int)today.DayOfWeek - (int)target + 7) % 7;
            return today.AddDays(back == 0 ? -7 : -back);
        }

        var (month, day, year) = m.Groups["m1"].Success
            ? (m.Groups["m1"].Value, m.Groups["d1"].Value, m.Groups["y1"])
            : (m.Groups["m2"].Value, m.Groups["d2"].Value, m.Groups["y2"]);
        var monthNumber = MonthNumber(month);
        var dayNumber = int.Parse(day, CultureInfo.InvariantCulture);
        if (year.Success)
        {
            return new DateOnly(int.Parse(year.Value, CultureInfo.InvariantCulture), monthNumber, dayNumber);
        }

        var candidate = new DateOnly(today.Year, monthNumber, Math.Min(dayNumber, DateTime.DaysInMonth(today.Year, monthNumber)));
        return candidate > today ? candidate.AddYears(-1) : candidate;
    }

    [GeneratedRegex(Prep + @"(?:the\s+)?(?:last|past|previous)\s+(?<n>" + Number + @")\s+(?<unit>days?|weeks?|months?|years?)\b")]
    private static partial Regex LastN();

    [GeneratedRegex(Prep + @"(?<n>" + Number + @")\s+(?<unit>days?|weeks?|months?|years?)\s+ago\b")]
    private static partial Regex Ago();

    [GeneratedRegex(Prep + @"(?:the\s+)?(?<which>last|previous|past)\s+(?<unit>week|month|year)\b")]
    private static partial Regex PreviousPeriod();

    [GeneratedRegex(Prep + @"this\s+(?<unit>week|month|year)\b")]
    private static partial Regex ThisPeriod();

    [GeneratedRegex(Prep + @"(?:the\s+)?day\s+before\s+yesterday\b")]
    private static partial Regex DayBeforeYesterday();

    [GeneratedRegex(Prep + @"\byesterday(?:'s)?\b")]
    private static partial Regex Yesterday();

    [GeneratedRegex(Prep + @"\btoday(?:'s)?\b")]
    private static partial Regex Today_();

    [GeneratedRegex(@"\bsince\s+(?:last\s+)?" + Date + @"\b")]
    private static partial Regex Since();

    [GeneratedRegex(@"\b(?:after)\s+" + Date + @"\b")]
    private static partial Regex After();

    [GeneratedRegex(@"\b(?<kw>before|until|till|up\s+to)\s+" + Date + @"\b")]
    private static partial Regex Before();

    [GeneratedRegex(@"\b(?:in|during|from|of)\s+(?<m>" + Months + @")(?:\s+(?<y>\d{4}))?\b(?!\s+\d)")]
    private static partial Regex InMonth();

    [GeneratedRegex(Prep + @"(?:last\s+)?" + Date + @"\b")]
    private static partial Regex OnDate();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
