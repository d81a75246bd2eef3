using System.Globalization;
using System.Text;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Commands;

/// <summary>The alerts of a replay by event type — starts, updates, ends and the largest measured value — as a table.</summary>
internal sealed class AlertSummary
{
    private readonly SortedDictionary<EventType, Row> _rows = [];

    public bool IsEmpty => _rows.Count == 0;

    public void Add(AlertMessage alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!_rows.TryGetValue(alert.EventType, out var row))
        {
            row = new Row();
            _rows.Add(alert.EventType, row);
        }

        switch (alert.State)
        {
            case AlertState.Start:
                row.Starts++;
                break;
            case AlertState.Update:
                row.Updates++;
                break;
            case AlertState.End:
                row.Ends++;
                break;
        }

        if (alert.Measurement is { } m && (row.Max is null || m.Value > row.Max.Value))
        {
            row.Max = m;
        }
    }

    /// <summary>Starts of one event type (0 when none).</summary>
    public int Starts(EventType type) => _rows.TryGetValue(type, out var row) ? row.Starts : 0;

    /// <summary>
    /// <c>alerts: none</c>, or a header and one line per event type:
    /// <c>  intrusion        3       0     3  duration 12.4 s</c>.
    /// </summary>
    public string Format()
    {
        if (IsEmpty)
        {
            return "alerts: none";
        }

        var sb = new StringBuilder("alerts by event type:\n");
        sb.Append(CultureInfo.InvariantCulture, $"  {"event",-17} {"starts",6} {"updates",7} {"ends",5}  max measured\n");
        foreach (var (type, row) in _rows)
        {
            var max = row.Max is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m.Name} {m.Value:0.###} {m.Unit}") : "-";
            sb.Append(CultureInfo.InvariantCulture, $"  {EventTypes.ToWireName(type),-17} {row.Starts,6} {row.Updates,7} {row.Ends,5}  {max}\n");
        }

        return sb.ToString().TrimEnd('\n');
    }

    private sealed class Row
    {
        public int Starts { get; set; }

        public int Updates { get; set; }

        public int Ends { get; set; }

        public Measurement? Max { get; set; }
    }
}
