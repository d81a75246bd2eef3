namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// Files of the trust folder and of the generated broker configuration, created with their final Unix mode (a key is never
/// readable by others, not even for an instant).
/// </summary>
internal static class ProtectedFile
{
    /// <summary>Writes <paramref name="text"/> to a new file created with <paramref name="mode"/>; fails if it exists.</summary>
    public static void Create(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="text"/>: written beside, then moved over, so a reader (a broker
    /// reloading its CRL or configuration) sees the old file or the new one, never half of one.
    /// </summary>
    public static void Replace(string path, string text, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        Create(temporary, text, mode);
        File.Move(temporary, path, overwrite: true);
    }
}
