namespace Vsa.Edge.Contracts.ModelPackages;

/// <summary>Why a model package was refused (reported to the fleet as its wire name, <see cref="ModelPackageRefusals.WireName"/>).</summary>
public enum ModelPackageRefusal
{
    /// <summary>Not a package: not a tar, metadata missing or unreadable, an entry not listed.</summary>
    Malformed,

    /// <summary>The metadata is not signed by a trusted model-signing key (wrong key or bad signature).</summary>
    Untrusted,

    /// <summary>A file's size or SHA-256 differs from the signed metadata (altered or truncated).</summary>
    Altered,

    /// <summary>The signed metadata is past its expiry.</summary>
    Expired,

    /// <summary>Not newer than the model that runs (same id).</summary>
    Downgrade,

    /// <summary>The agent is older than the package's minimum agent version.</summary>
    AgentTooOld,

    /// <summary>The package's validation set failed on this device.</summary>
    ValidationFailed,
}

/// <summary>Wire names of <see cref="ModelPackageRefusal"/>.</summary>
public static class ModelPackageRefusals
{
    /// <summary>The lower-case wire name (for example <c>untrusted</c>, <c>validation-failed</c>).</summary>
    public static string WireName(this ModelPackageRefusal refusal) => refusal switch
    {
        ModelPackageRefusal.Malformed => "malformed",
        ModelPackageRefusal.Untrusted => "untrusted",
        ModelPackageRefusal.Altered => "altered",
        ModelPackageRefusal.Expired => "expired",
        ModelPackageRefusal.Downgrade => "downgrade",
        ModelPackageRefusal.AgentTooOld => "agent-too-old",
        ModelPackageRefusal.ValidationFailed => "validation-failed",
        _ => refusal.ToString(),
    };
}

/// <summary>A model package refused; <see cref="Reason"/> says which check, the message says what exactly.</summary>
public sealed class ModelPackageException : Exception
{
    public ModelPackageException()
        : this(ModelPackageRefusal.Malformed, "invalid model package")
    {
    }

    public ModelPackageException(string message)
        : this(ModelPackageRefusal.Malformed, message)
    {
    }

    public ModelPackageException(string message, Exception inner)
        : base(message, inner) => Reason = ModelPackageRefusal.Malformed;

    public ModelPackageException(ModelPackageRefusal reason, string message, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    /// <summary>Which check refused the package.</summary>
    public ModelPackageRefusal Reason { get; }

    /// <summary>One line for reports: <c>wire-name: message</c>.</summary>
    public string Report => $"{Reason.WireName()}: {Message}";
}
