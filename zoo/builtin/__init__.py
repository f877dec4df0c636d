"""The core's own framework-neutral components, registered as plugins like any other."""
