// The owner's banner: buttons that need a script, shown only when the script runs.
for (const button of document.querySelectorAll('.owner-banner [data-action]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    if (button.dataset.action === 'print') return window.print();
    const link = document.getElementById('certificate-link');
    const status = document.querySelector('.owner-banner .copy-status');
    try {
      await navigator.clipboard.writeText(link.value);
      status.textContent = button.dataset.copied;
    } catch {
      // Without clipboard access, select the link so the learner can copy it themselves.
      link.select();
    }
  });
}
