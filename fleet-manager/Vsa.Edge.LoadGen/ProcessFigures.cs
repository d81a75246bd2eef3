using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>Resident memory of a process, now and at its peak (Linux <c>/proc/{pid}/status</c>: VmRSS and VmHWM), in MiB.</summary>
internal readonly record struct Memory(double ResidentMiB, double PeakMiB)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{ResidentMiB:F0} MiB (peak {PeakMiB:F0} MiB)");
}

/// <summary>What the kernel says about the processes of a run (Linux only): memory, open files and their limit, the load.</summary>
internal static class ProcessFigures
{
    /// <summary>VmRSS and VmHWM of <paramref name="pid"/>.</summary>
    public static Memory MemoryOf(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/status");
        return new Memory(Kibibytes(lines, "VmRSS:") / 1024, Kibibytes(lines, "VmHWM:") / 1024);
    }

    /// <summary>
    /// CPU time <paramref name="pid"/> used so far, user and system (fields 14 and 15 of <c>/proc/{pid}/stat</c>, in clock ticks
    /// of 1/100 s, USER_HZ on Linux), in seconds.
    /// </summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>
    /// Processor time used so far by <paramref name="root"/> and every process under it, those that ended included (a
    /// PostgreSQL server: the postmaster, its backends, its writers), in seconds: each live process's own time plus what its
    /// children that ended and were reaped used (fields 14 to 17 of <c>/proc/{pid}/stat</c>).
    /// </summary>
    public static double TreeCpuSeconds(int root)
    {
        var parents = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)
                    + long.Parse(rest[13], CultureInfo.InvariantCulture) + long.Parse(rest[14], CultureInfo.InvariantCulture);
                parents[pid] = (int.Parse(rest[1], CultureInfo.InvariantCulture), ticks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Ended while listed.
            }
        }

        var total = 0L;
        foreach (var (pid, (_, ticks)) in parents)
        {
            for (var at = pid; parents.TryGetValue(at, out var entry); at = entry.Parent)
            {
                if (at == root)
                {
                    total += ticks;
                    break;
                }
            }
        }

        return total / 100.0;
    }

    /// <summary>The soft and hard limits on open files (RLIMIT_NOFILE) of <paramref name="pid"/>; -1 for "unlimited".</summary>
    public static (long Soft, long Hard) OpenFilesLimit(int pid)
    {
        // "Max open files            20000                20000                files"
        var line = File.ReadAllLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (Limit(fields[0]), Limit(fields[1]));
    }

    /// <summary>How many files (sockets included) <paramref name="pid"/> has open; -1 when they cannot be listed.</summary>
    public static int OpenFiles(int pid)
    {
        try
        {
            return Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return -1;
        }
    }

    /// <summary>The id of a direct child of this process whose command name is <paramref name="name"/> (Mosquitto), or null.</summary>
    public static int? ChildNamed(string name)
    {
        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // "pid (comm) state ppid …": the command name may hold spaces and parentheses, so read from the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var rest = stat[(close + 2)..].Split(' ');
                if (stat[(open + 1)..close] == name && int.Parse(rest[1], CultureInfo.InvariantCulture) == self)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }

        return null;
    }

    /// <summary>The 1, 5 and 15 minute load averages, as the kernel prints them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    /// <summary>
    /// Checks that this process may open <paramref name="needed"/> files. The .NET runtime raises its soft RLIMIT_NOFILE to the
    /// hard limit at start, and the brokers and the fleet it starts inherit that limit; above the hard limit only the user
    /// (<c>ulimit -Hn</c>, <c>/etc/security/limits.conf</c>, <c>LimitNOFILE=</c> of a systemd unit) can raise it.
    /// </summary>
    public static string? OpenFilesProblem(int needed)
    {
        var (soft, hard) = OpenFilesLimit(Environment.ProcessId);
        return soft < 0 || soft >= needed
            ? null
            : string.Create(CultureInfo.InvariantCulture,
                $"{needed} open files are needed (one socket per device plus a margin) but this process may open {soft} (hard limit {hard}): raise it with `ulimit -n {needed}` (as root: `ulimit -Hn`), or hold fewer devices");
    }

    private static double Kibibytes(string[] lines, string key) =>
        double.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    private static long Limit(string value) => value == "unlimited" ? -1 : long.Parse(value, CultureInfo.InvariantCulture);
}
