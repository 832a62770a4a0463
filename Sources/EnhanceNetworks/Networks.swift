// Networks: architectures, registry, Upscaler (see Package.swift).
