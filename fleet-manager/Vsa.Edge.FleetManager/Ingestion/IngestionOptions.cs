using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Ingestion settings, section <c>Fleet:Ingestion</c>.</summary>
public sealed class IngestionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Ingestion";

    /// <summary>Largest payload accepted, in bytes. Default 65536: an alert is metadata only, a few kilobytes at most.</summary>
    [Range(1024, 1048576)]
    public int MaxPayloadBytes { get; set; } = 65536;
}
