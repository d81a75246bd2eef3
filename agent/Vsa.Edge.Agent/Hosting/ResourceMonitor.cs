using System.Globalization;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// Reads the device's resources for heartbeats from procfs and sysfs: load and CPU use (<c>/proc/loadavg</c>,
/// <c>/proc/stat</c>), memory (<c>/proc/meminfo</c>, <c>/proc/self/status</c>), thermal zones
/// (<c>/sys/devices/virtual/thermal/thermal_zone*/{type,temp}</c>), the Jetson GPU load (<c>gpu.0/load</c>, per mille)
/// and the free space of the data directory. Whatever a device does not expose (a PC has no GPU load file, a container
/// may have no thermal zones) is null, never an error. Call from one thread (the heartbeat): CPU use is a difference
/// between two calls.
/// </summary>
public sealed class ResourceMonitor(IHostFiles files, string? dataDirectory, string root = "/")
{
    private static readonly string[] GpuLoadFiles =
    [
        "sys/devices/gpu.0/load",                     // Jetson Nano, TX2, Xavier (L4T 32)
        "sys/devices/platform/gpu.0/load",            // Xavier, Orin (L4T 34/35)
        "sys/devices/platform/17000000.ga10b/load",   // Orin (L4T 35)
        "sys/devices/platform/17000000.gpu/load",     // Orin (L4T 36)
    ];

    private (long Busy, long Total)? _previousCpu;

    /// <summary>The figures now.</summary>
    public ResourceHealth Read()
    {
        var zones = ThermalZones();
        var (total, available) = Memory();
        return new ResourceHealth(
            CpuLoad1m: LoadAverage(),
            CpuUsagePercent: CpuUsage(),
            CpuCount: Environment.ProcessorCount,
            CpuTemperatureC: Hottest(zones, "cpu"),
            GpuTemperatureC: Hottest(zones, "gpu"),
            GpuLoadPercent: GpuLoad(),
            ProcessRssBytes: ProcessRss(),
            MemoryTotalBytes: total,
            MemoryAvailableBytes: available,
            DataDiskFreeBytes: DiskFree(),
            Thermal: zones.Count == 0 ? null : zones);
    }

    private string PathOf(string relative) => Path.Combine(root, relative);

    private double? LoadAverage() =>
        files.TryReadAllText(PathOf("proc/loadavg"), out var text) && TryDouble(text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var load)
            ? load
            : null;

    // "cpu  user nice system idle iowait irq softirq steal …" in clock ticks since boot; idle + iowait are not busy.
    private double? CpuUsage()
    {
        if (!files.TryReadAllText(PathOf("proc/stat"), out var text))
        {
            return null;
        }

        var line = text.AsSpan()[..Math.Max(0, text.IndexOf('\n', StringComparison.Ordinal))].ToString();
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[0] != "cpu")
        {
            return null;
        }

        long total = 0, idle = 0;
        for (var i = 1; i < fields.Length; i++)
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                return null;
            }

            total += ticks;
            idle += i is 4 or 5 ? ticks : 0;
        }

        var previous = _previousCpu;
        _previousCpu = (total - idle, total);
        if (previous is not { } p || total <= p.Total)
        {
            return null;
        }

        return Math.Round(100.0 * (total - idle - p.Busy) / (total - p.Total), 1);
    }

    private (long? Total, long? Available) Memory()
    {
        if (!files.TryReadAllText(PathOf("proc/meminfo"), out var text))
        {
            return (null, null);
        }

        return (Kilobytes(text, "MemTotal:"), Kilobytes(text, "MemAvailable:"));
    }

    private long? ProcessRss() =>
        files.TryReadAllText(PathOf("proc/self/status"), out var text) ? Kilobytes(text, "VmRSS:") : null;

    private List<ThermalReading> ThermalZones()
    {
        var zones = new List<ThermalReading>();
        foreach (var folder in ZoneFolders())
        {
            if (files.TryReadAllText(Path.Combine(folder, "temp"), out var temp)
                && long.TryParse(temp.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milli)
                && files.TryReadAllText(Path.Combine(folder, "type"), out var type))
            {
                // Millidegrees; a disabled zone reads a sentinel far outside any real temperature.
                var celsius = milli / 1000.0;
                if (celsius is > -60 and < 200)
                {
                    zones.Add(new ThermalReading(type.Trim(), Math.Round(celsius, 1)));
                }
            }
        }

        return zones;
    }

    // thermal_zoneN are folders; IHostFiles lists files, so look for their "type" files.
    private IEnumerable<string> ZoneFolders()
    {
        var baseDir = PathOf("sys/devices/virtual/thermal");
        for (var i = 0; i < 64; i++)
        {
            var folder = Path.Combine(baseDir, $"thermal_zone{i}");
            if (files.List(folder, "type").Count == 0)
            {
                // Zones are numbered from 0 without gaps.
                yield break;
            }

            yield return folder;
        }
    }

    private double? GpuLoad()
    {
        foreach (var file in GpuLoadFiles)
        {
            if (files.TryReadAllText(PathOf(file), out var text) && TryDouble(text.Trim(), out var perMille))
            {
                return Math.Round(perMille / 10.0, 1);
            }
        }

        return null;
    }

    private long? DiskFree()
    {
        if (dataDirectory is null)
        {
            return null;
        }

        try
        {
            return new DriveInfo(Path.GetFullPath(dataDirectory)).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static double? Hottest(List<ThermalReading> zones, string kind)
    {
        double? hottest = null;
        foreach (var zone in zones)
        {
            if (zone.Zone.Contains(kind, StringComparison.OrdinalIgnoreCase) && (hottest is null || zone.Celsius > hottest))
            {
                hottest = zone.Celsius;
            }
        }

        return hottest;
    }

    private static long? Kilobytes(string text, string key)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line[key.Length..].Trim();
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.TryParse(space < 0 ? value : value[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
            }
        }

        return null;
    }

    private static bool TryDouble(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
