using System.Globalization;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// The installer's terminal: one line per step as it starts, one per check as it ends (with its fix), and a summary.
/// Colours only on a terminal and only without <c>NO_COLOR</c> (https://no-color.org).
/// </summary>
public sealed class TerminalOutput(TextWriter writer, bool colour) : IStepProgress
{
    private int _step;

    /// <summary>Colours when <paramref name="redirected"/> is false and <c>NO_COLOR</c> is unset or empty, and <c>TERM</c> is not "dumb".</summary>
    public static bool UseColour(bool redirected) =>
        !redirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <inheritdoc />
    public void Begin(string step)
    {
        _step++;
        writer.WriteLine(Paint($"[{_step}] {step}", "1"));
    }

    /// <inheritdoc />
    public void Done(InstallationCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var (label, code) = Label(check.Status);
        writer.WriteLine($"    {Paint(label, code)}  {check.Id}: {check.Detail}");
        if (check.Fix is { } fix && check.Status != InstallationCheckStatus.Pass)
        {
            writer.WriteLine($"          fix: {fix}");
        }
    }

    /// <summary>Writes a note under the current step (a prompt, a figure).</summary>
    public void Note(string text) => writer.WriteLine($"    {text}");

    /// <summary>The final summary: counts, the verdict, and the fix of each fail and warn again, fails first.</summary>
    public void Summary(string what, IReadOnlyList<InstallationCheck> checks, TimeSpan took, string? jsonFile)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var fails = checks.Count(c => c.Status == InstallationCheckStatus.Fail);
        var warns = checks.Count(c => c.Status == InstallationCheckStatus.Warn);
        var passes = checks.Count - fails - warns;
        writer.WriteLine();
        var verdict = fails > 0 ? Paint($"{what} FAILED", "1;31") : warns > 0 ? Paint($"{what} passed with warnings", "1;33") : Paint($"{what} passed", "1;32");
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verdict}: {passes} pass, {warns} warn, {fails} fail in {took.TotalSeconds:F1} s"));
        foreach (var check in checks.Where(c => c.Status != InstallationCheckStatus.Pass).OrderByDescending(c => c.Status))
        {
            var (label, code) = Label(check.Status);
            writer.WriteLine($"  {Paint(label, code)}  {check.Id}: {check.Fix}");
        }

        if (jsonFile is not null)
        {
            writer.WriteLine($"Report: {jsonFile}");
        }
    }

    private static (string Label, string Code) Label(InstallationCheckStatus status) => status switch
    {
        InstallationCheckStatus.Pass => ("pass", "32"),
        InstallationCheckStatus.Warn => ("warn", "33"),
        _ => ("FAIL", "1;31"),
    };

    private string Paint(string text, string code) => colour ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
