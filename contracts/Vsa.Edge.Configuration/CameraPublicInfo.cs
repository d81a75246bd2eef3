namespace Vsa.Edge.Configuration;

/// <summary>
/// The public description of a camera (<see cref="CameraConfig.PublicName"/>, <see cref="CameraConfig.Place"/>): what the
/// fleet's public register shows instead of technical ids (loi 2023-380 art. 10 II, information of the public). Both are
/// optional; when present they are plain text of at most <see cref="MaxLength"/> characters, without control characters.
/// </summary>
public static class CameraPublicInfo
{
    /// <summary>Longest public name or place, in characters.</summary>
    public const int MaxLength = 120;

    /// <summary>Adds one error per unusable field to <paramref name="errors"/>.</summary>
    public static void Validate(CameraConfig config, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(errors);
        Check(config.PublicName, "publicName", errors);
        Check(config.Place, "place", errors);
    }

    private static void Check(string? value, string field, List<string> errors)
    {
        if (value is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{field}: empty (leave it out when there is none)");
        }
        else if (value.Length > MaxLength)
        {
            errors.Add($"{field}: {value.Length} characters, at most {MaxLength}");
        }
        else if (value.Any(char.IsControl))
        {
            errors.Add($"{field}: contains a control character (tab, line break…)");
        }
    }
}
