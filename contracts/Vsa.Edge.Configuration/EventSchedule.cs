namespace Vsa.Edge.Configuration;

/// <summary>
/// When an event may start new alerts, in the camera's local time: a set of days and hour ranges. Outside the
/// schedule no new alert starts; an open alert still updates and ends normally, so no alert is left dangling.
/// </summary>
public sealed class EventSchedule
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly bool[] _days;
    private readonly (int Start, int End)[] _ranges;
    private readonly TimeZoneInfo _zone;

    private EventSchedule(bool[] days, (int Start, int End)[] ranges, TimeZoneInfo zone)
    {
        _days = days;
        _ranges = ranges;
        _zone = zone;
    }

    /// <summary>Every day, all day.</summary>
    public static EventSchedule Always { get; } = new([true, true, true, true, true, true, true], [(0, 24 * 60)], TimeZoneInfo.Utc);

    /// <summary>Whether a new alert may start at <paramref name="instant"/>. Allocates nothing.</summary>
    public bool IsActive(DateTimeOffset instant)
    {
        if (ReferenceEquals(this, Always))
        {
            return true;
        }

        var local = TimeZoneInfo.ConvertTime(instant, _zone);
        var minute = local.TimeOfDay.TotalMinutes;
        var today = (int)local.DayOfWeek;
        var yesterday = (today + 6) % 7;
        foreach (var (start, end) in _ranges)
        {
            if (start < end)
            {
                if (_days[today] && minute >= start && minute < end)
                {
                    return true;
                }
            }
            else if ((_days[today] && minute >= start) || (_days[yesterday] && minute < end))
            {
                // Overnight range: the part after midnight belongs to the day it started on.
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a schedule, adding one error per bad field (prefixed with <paramref name="at"/>); null when there were errors.</summary>
    internal static EventSchedule? Parse(ScheduleConfig? config, TimeZoneInfo? zone, string at, List<string> errors)
    {
        if (config is null)
        {
            return Always;
        }

        var count = errors.Count;
        if (zone is null)
        {
            errors.Add($"{at}: needs the camera's timeZone (for example \"Europe/Paris\") to know local time");
        }

        var days = new bool[7];
        if (config.Days is null)
        {
            Array.Fill(days, true);
        }
        else if (config.Days.Count == 0)
        {
            errors.Add($"{at}.days: empty (omit it for every day)");
        }

        for (var d = 0; d < (config.Days?.Count ?? 0); d++)
        {
            var index = Array.IndexOf(DayNames, config.Days![d]);
            if (index < 0)
            {
                errors.Add($"{at}.days[{d}]: '{config.Days[d]}' is not one of {string.Join(", ", DayNames)}");
                continue;
            }

            days[index] = true;
        }

        var ranges = new List<(int, int)>();
        if (config.Hours is null)
        {
            ranges.Add((0, 24 * 60));
        }
        else if (config.Hours.Count == 0)
        {
            errors.Add($"{at}.hours: empty (omit it for all day)");
        }

        for (var h = 0; h < (config.Hours?.Count ?? 0); h++)
        {
            var text = config.Hours![h];
            var dash = text?.IndexOf('-', StringComparison.Ordinal) ?? -1;
            if (dash < 0 || !TryMinutes(text.AsSpan(0, dash), out var start) || !TryMinutes(text.AsSpan(dash + 1), out var end) || start == 24 * 60)
            {
                errors.Add($"{at}.hours[{h}]: '{text}' is not a range \"HH:mm-HH:mm\"");
            }
            else if (start == end)
            {
                errors.Add($"{at}.hours[{h}]: '{text}' is empty (start equals end)");
            }
            else
            {
                ranges.Add((start, end));
            }
        }

        return errors.Count > count ? null : new EventSchedule(days, [.. ranges], zone!);
    }

    private static bool TryMinutes(ReadOnlySpan<char> text, out int minutes)
    {
        minutes = 0;
        text = text.Trim();
        if (text.Length != 5 || text[2] != ':' || !int.TryParse(text[..2], out var h) || !int.TryParse(text[3..], out var m))
        {
            return false;
        }

        minutes = (h * 60) + m;
        return h is >= 0 and <= 24 && m is >= 0 and < 60 && minutes <= 24 * 60;
    }
}
